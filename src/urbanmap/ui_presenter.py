"""Streamlit glue for the presenter page: URL state, projector styling, keyboard, stop widgets, editing.

The step lives in the URL (``?tour=…&step=…``, 1-based); the Next/Previous
buttons have stable keys (``pres_next`` …) so the small keyboard script can
find them by the ``st-key-<key>`` class Streamlit adds.  All tour logic
(validation, figures, charts, export, saving) is in :mod:`urbanmap.tours` and
:mod:`urbanmap.tour_export`.
"""

from __future__ import annotations

import html

import streamlit as st

from . import features, mapbuild, mapview, tour_export, tours, ui_map
from .i18n import t

MAP_HEIGHT = 440
NAV_KEYS = {"first": "pres_first", "prev": "pres_prev", "next": "pres_next", "last": "pres_last"}

PROJECTOR_CSS = """
<style>
.block-container{padding-top:1.2rem;padding-bottom:2rem;max-width:100%}
.um-pres-tour{font-size:1.15rem;font-weight:600;color:#0b2740}
.um-pres-progress{font-size:2rem;font-weight:800;color:#0b2740;text-align:center;line-height:2.4rem}
.um-pres-title{font-size:2.6rem;font-weight:800;line-height:1.2;color:#0b2740;margin:.2rem 0 .4rem}
[class*="st-key-pres_"] button p{font-size:1.15rem;font-weight:700}
[data-testid="stExpander"] summary p{font-size:1.2rem;font-weight:700}
.um-pres-notes{font-size:1.2rem;line-height:1.6}
</style>
"""
HIDE_SIDEBAR_CSS = """
<style>
[data-testid="stSidebar"],[data-testid="stSidebarCollapsedControl"],header[data-testid="stHeader"]{display:none !important}
</style>
"""

#: Keyboard for clickers: → / PageDown next, ← / PageUp previous, Home / End.
#: Runs in a zero-height component iframe and listens on the app document and
#: on same-origin iframes (the map), never while typing into a field.
KEYBOARD_JS = """
<script>
(function () {
  var P = window.parent, doc = P.document;
  var map = {ArrowRight: "pres_next", PageDown: "pres_next", ArrowLeft: "pres_prev",
             PageUp: "pres_prev", Home: "pres_first", End: "pres_last"};
  var TEXT = /^(text|search|password|email|number|url|tel|date|time|datetime-local|month|week)$/;
  function typing(e) {  // a field that uses these keys itself (a toggle or a button does not)
    var el = e.target, tag = el && el.tagName ? el.tagName.toLowerCase() : "";
    if (tag === "input") return TEXT.test((el.type || "text").toLowerCase());
    return tag === "textarea" || tag === "select" || (el && el.isContentEditable) ||
      !!(el && el.closest && el.closest('[role="combobox"],[role="listbox"],[role="slider"],[data-baseweb="select"]'));
  }
  function onKey(e) {
    if (e.ctrlKey || e.altKey || e.metaKey || typing(e)) return;
    var key = map[e.key];
    if (!key) return;
    var btn = doc.querySelector(".st-key-" + key + " button");
    if (!btn) return;  // not on the presenter page
    e.preventDefault();
    e.stopPropagation();
    if (!btn.disabled) btn.click();
  }
  function attach(d) {
    try {
      if (!d || d.__umPresKeys === onKey) return;
      if (d.__umPresKeys) d.removeEventListener("keydown", d.__umPresKeys, true);
      d.__umPresKeys = onKey;
      d.addEventListener("keydown", onKey, true);
    } catch (err) { /* cross-origin frame: ignore */ }
  }
  function attachAll() {
    attach(doc);
    doc.querySelectorAll("iframe").forEach(function (f) {
      try { attach(f.contentDocument); } catch (err) {}
    });
  }
  attachAll();
  if (P.__umPresTimer) P.clearInterval(P.__umPresTimer);
  P.__umPresTimer = P.setInterval(attachAll, 1000);
})();
</script>
"""


# --------------------------------------------------------------------------- URL state

def current_step(tour: tours.Tour) -> int:
    return tours.clamp_step(st.query_params.get("step", "1"), len(tour.stops))


def go_to(tour_id: str | None, step: int | None = None) -> None:
    """Callback target: move to a tour/step (or back to the list) through the URL."""
    if tour_id is None:
        for k in ("tour", "step"):
            st.query_params.pop(k, None)
        return
    st.query_params["tour"] = tour_id
    st.query_params["step"] = str(step or 1)


def keep_in_url(tour: tours.Tour, step: int) -> None:
    if st.query_params.get("tour") != tour.id:
        st.query_params["tour"] = tour.id
    if st.query_params.get("step") != str(step):
        st.query_params["step"] = str(step)


# --------------------------------------------------------------------------- presentation

def projector_style(hide_sidebar: bool) -> None:
    st.markdown(PROJECTOR_CSS + (HIDE_SIDEBAR_CSS if hide_sidebar else ""), unsafe_allow_html=True)
    st.markdown(f"<style>{tour_export.CARDS_CSS}</style>", unsafe_allow_html=True)


def keyboard() -> None:
    st.iframe(KEYBOARD_JS, height=1)


def nav_bar(tour: tours.Tour, step: int, lang: str) -> None:
    n = len(tour.stops)
    cols = st.columns([1.1, 1.2, 1, 1.2, 1.1], vertical_alignment="center")
    spec = [("first", 1, step == 1), ("prev", step - 1, step == 1), None, ("next", step + 1, step == n), ("last", n, step == n)]
    for col, item in zip(cols, spec):
        if item is None:
            col.markdown(f'<div class="um-pres-progress" data-testid="um-progress">{step} / {n}</div>', unsafe_allow_html=True)
            continue
        name, target, disabled = item
        col.button(t(f"pres.{name}", lang), key=NAV_KEYS[name], disabled=disabled, width="stretch",
                   type="primary" if name == "next" else "secondary", on_click=go_to, args=(tour.id, target))


def stop_map(tour: tours.Tour, step: int, stop: tours.Stop, lang: str, height: int = MAP_HEIGHT) -> None:
    """The stop's layers framed to its extent; a new map per step (remount is fine here)."""
    view = mapbuild.View.fit(stop.bounds(), width_px=1150, height_px=height, max_zoom=12)
    m = mapbuild.build_map(list(stop.layers), lang=lang, view=view)
    m.options["scroll_wheel_zoom"] = False  # the wheel scrolls the page; zoom with the +/− buttons
    feats = [features.geojson_of(fid) for fid in stop.highlight]
    fc = {"type": "FeatureCollection", "features": [f for f in feats if f]} if stop.highlight else None
    ui_map.render_map(m, key=f"pres_map:{tour.id}:{step}:{lang}", height=height, use_container_width=True,
                      returned_objects=[], feature_group_to_add=[mapview.highlight_group(fc)])


def stop_body(stop: tours.Stop, lang: str, *, audience: bool, key: str) -> None:
    st.markdown(tour_export.cards_html(stop, lang), unsafe_allow_html=True)
    fig = tours.stop_chart(stop, lang)
    notes = stop.notes(lang)
    show_notes = bool(notes) and not audience
    if fig is None and not show_notes:
        return
    cols = st.columns([3, 2]) if fig is not None and show_notes else [st.container()]
    if fig is not None:
        cols[0].plotly_chart(fig, width="stretch", key=f"pres_chart:{key}", config={"displaylogo": False},
                             theme=None)  # keep the projector-sized fonts
    if show_notes:
        with cols[-1].expander(t("pres.notes", lang), expanded=True):
            st.markdown(f'<div class="um-pres-notes">{tour_export.markdown_html(notes)}</div>', unsafe_allow_html=True)


def tour_label_html(tour: tours.Tour, lang: str) -> str:
    return f'<div class="um-pres-tour">{html.escape(tour.title(lang))}</div>'


def title_block(tour: tours.Tour, stop: tours.Stop, lang: str) -> None:
    st.markdown(f'<div class="um-pres-title">{html.escape(stop.title(lang))}</div>', unsafe_allow_html=True)
    badge = tour_export.schematic_html(stop, lang)
    if badge:
        st.markdown(badge, unsafe_allow_html=True)


def download_button(tour: tours.Tour, lang: str, key: str) -> None:
    st.download_button(
        t("pres.download", lang), data=lambda: tour_export.build_html(tour, lang).encode("utf-8"),
        file_name=f"{tour.id}-{lang}.html", mime="text/html", key=key, help=t("pres.download_help", lang),
        on_click="ignore", icon=":material/download:",
    )


# --------------------------------------------------------------------------- the list and editing

def tour_list(all_tours: dict[str, tours.Tour], lang: str) -> None:
    for tr in all_tours.values():
        with st.container(border=True):
            c1, c2, c3 = st.columns([5, 1.3, 2.2], vertical_alignment="center")
            origin = f" · {t('pres.origin_staff', lang)}" if tr.origin == "staff" else ""
            c1.markdown(f"### {html.escape(tr.title(lang))}")
            c1.caption(f"{t('pres.stops', lang, n=len(tr.stops))}{origin} · {tr.summary(lang)}")
            c2.button(t("pres.start", lang), key=f"start:{tr.id}", type="primary", on_click=go_to, args=(tr.id, 1))
            with c3:
                download_button(tr, lang, key=f"dl:{tr.id}")


def editor(all_tours: dict[str, tours.Tour], lang: str) -> None:
    """Staff: edit a tour as YAML or upload a tours file; saved only when valid."""
    from . import ui_auth

    with st.expander(t("pres.edit", lang)):
        user = ui_auth.login_form(lang, key="pres_login")
        if user is None:
            st.caption(t("pres.edit_login", lang))
            return
        new = "__new__"
        pick = st.selectbox(t("pres.edit_pick", lang), [new, *all_tours], key="pres_edit_pick",
                            format_func=lambda i: t("pres.edit_new", lang) if i == new else all_tours[i].title(lang))
        start = tours.tour_yaml(all_tours[pick]) if pick != new else tours.dump_yaml([{
            "id": "new-tour", "title": {"zh": "", "en": ""},
            "stops": [{"title": {"zh": "", "en": ""}, "frame": [], "layers": ["admin_prefecture"], "figures": []}]}])
        with st.form("pres_edit_form"):
            text = st.text_area(t("pres.edit_yaml", lang), value=start, height=360, help=t("pres.edit_help", lang),
                                key=f"pres_edit_text:{pick}")
            submitted = st.form_submit_button(t("pres.save", lang), type="primary")
        upload = st.file_uploader(t("pres.upload", lang), type=["yaml", "yml"], key="pres_upload")
        if upload is not None and st.button(t("pres.upload_save", lang), key="pres_upload_save"):
            _save(upload.getvalue(), user, lang)
        if submitted:
            _save(text, user, lang)


def _save(text, user, lang: str) -> None:
    try:
        saved = tours.save_tours(text, user)
    except tours.TourError as exc:
        st.error(exc.message(lang))
        return
    st.success(t("pres.saved", lang, titles="、".join(tr.title(lang) for tr in saved)))
