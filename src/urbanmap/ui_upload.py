"""Streamlit glue for 数据管理 (staff data management): the upload wizard, history and rollback, audit, users.

The pipeline itself lives in :mod:`urbanmap.staff` (shared with the CLI);
this module only draws it.  Wizard state lives in ``st.session_state`` so
it survives reruns (language switch, option changes):

- ``up:wizard`` — the :class:`Wizard`: the uploaded bytes, the options it
  was checked with, the rejection or the validated :class:`staff.Candidate`
  (which remembers the head version the diff was computed against);
- ``up:nonce`` — bumped to give a fresh file uploader after publishing or
  "start over";
- ``up:published`` — the last publish, for the success message.

Every write goes through the store, which checks the role again; the
buttons shown here for a role are convenience, not protection.
"""

from __future__ import annotations

import hashlib
import html
import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import streamlit as st

from . import auth, mapbuild, mapview, staff, ui_map
from .i18n import t
from .layers import get_spec
from .upload import ENCODING_CHOICES, GCJ02, UploadError, UploadOptions, crs_label, layer_region, suggest_choices

log = logging.getLogger(__name__)

SS_WIZ, SS_NONCE, SS_DONE = "up:wizard", "up:nonce", "up:published"
#: No extension filter in the browser: its refusal would be Streamlit's English text; the
#: validator names what is supported in the UI language instead.
FILE_TYPES = None
#: Streamlit's own "200MB per file" line contradicts our limit (said in the help text below).
_UPLOADER_CSS = "<style>[data-testid='stFileUploaderDropzoneInstructions'] span{display:none}</style>"
DEFAULT_LAYER = "control_zones"
PREVIEW_HEIGHT = 540
CRS_CODES = {"no_crs", "unsupported_crs", "coordinates_out_of_range", "out_of_region"}
ENCODING_CODES = {"bad_encoding", "encoding_failed"}
LAYER_CODES = {"choose_layer", "unknown_layer"}
#: Preview colours: the current version grey and dashed, the upload red (added blue).
CURRENT_STYLE = {"color": "#6b7280", "weight": 2, "opacity": 0.9, "dashArray": "6 4", "fill": False}
NEW_STYLE = {"color": "#d62728", "weight": 1.5, "opacity": 0.95, "fill": True, "fillColor": "#d62728", "fillOpacity": 0.08}
STATUS_STYLES = {
    "current": {"removed": {"color": "#111827", "weight": 3, "fill": True, "fillColor": "#6b7280", "fillOpacity": 0.35}},
    "new": {"changed": {"weight": 3, "fillOpacity": 0.3},
            "added": {"color": "#1f6feb", "fillColor": "#1f6feb", "weight": 3, "fillOpacity": 0.3}},
}


@dataclass
class Wizard:
    layer_id: str
    filename: str
    data: bytes
    digest: str
    checked: tuple | None = None  # (layer_id, options) the result below belongs to
    candidate: staff.Candidate | None = None
    error: UploadError | None = None
    crashed: bool = False
    layer_names: list[str] = field(default_factory=list)  # layers of a GeoPackage/KML, once known
    crs_choices: list[str] = field(default_factory=list)
    #: read options as the widgets hold them ("" = from the file / detect)
    opts: dict = field(default_factory=lambda: {"crs": "", "encoding": "", "layer_name": "", "make_valid": False})

    def key(self, name: str) -> str:
        """Widget keys per file: a new file starts with default options."""
        return f"up:{self.digest[:16]}:{name}"


def file_input(label: str, key: str, help: str):
    """Indirection over st.file_uploader (AppTest cannot upload): an object with ``name`` and ``getvalue()``."""
    st.markdown(_UPLOADER_CSS, unsafe_allow_html=True)
    up = st.file_uploader(label, type=FILE_TYPES, key=key)
    st.caption(help)
    return up


def new_wizard(layer_id: str, filename: str, data: bytes) -> Wizard:
    wiz = Wizard(layer_id, filename, bytes(data), hashlib.sha256(data).hexdigest())
    st.session_state[SS_WIZ] = wiz
    st.session_state.pop(SS_DONE, None)
    return wiz


def start_over() -> None:
    st.session_state.pop(SS_WIZ, None)
    st.session_state[SS_NONCE] = st.session_state.get(SS_NONCE, 0) + 1


def options_of(wiz: Wizard) -> UploadOptions:
    """The read options: kept in the wizard (widget state is dropped when a section is not shown)."""
    o = wiz.opts
    return UploadOptions(crs=o["crs"] or None, encoding=o["encoding"] or None, layer_name=o["layer_name"] or None,
                         make_valid=bool(o["make_valid"]))


def set_option(wiz: Wizard, name: str, value) -> None:
    wiz.opts[name] = value
    st.session_state[wiz.key(name)] = value


def _pick(wiz: Wizard, name: str, source_key: str) -> None:
    set_option(wiz, name, st.session_state.get(source_key) or "")


def _sync(wiz: Wizard, name: str) -> None:
    value = st.session_state.get(wiz.key(name))
    wiz.opts[name] = bool(value) if name == "make_valid" else (value or "")


def _bound(wiz: Wizard, name: str) -> dict:
    """Widget kwargs bound to ``wiz.opts[name]`` (the wizard is the source of truth)."""
    st.session_state[wiz.key(name)] = wiz.opts[name]
    return {"key": wiz.key(name), "on_change": _sync, "args": (wiz, name)}


# --------------------------------------------------------------------------- checking


def check(wiz: Wizard, user, store, lang: str) -> None:
    """Validate and diff the wizard's file for its layer and options, unless already done."""
    options = options_of(wiz)
    wanted = (wiz.layer_id, options)
    if wiz.checked == wanted:
        return
    wiz.candidate, wiz.error, wiz.crashed = None, None, False
    labels = {name: t(f"up.step_{name}", lang) for name in staff.STEPS}
    with st.status(t("up.checking", lang, name=wiz.filename), expanded=True) as status:
        bar = st.progress(0.0)

        def progress(name: str) -> None:
            i = staff.STEPS.index(name)
            bar.progress(i / len(staff.STEPS), text=labels[name])
            st.write(labels[name])

        try:
            wiz.candidate = staff.prepare(wiz.data, wiz.filename, wiz.layer_id, options, store=store, progress=progress)
            bar.progress(1.0, text=t("up.checked", lang))
            status.update(label=t("up.checked", lang), state="complete", expanded=False)
        except UploadError as exc:
            wiz.error = exc
            if exc.code in LAYER_CODES and exc.choices:
                wiz.layer_names = list(exc.choices)
            if exc.code in CRS_CODES and exc.choices:
                wiz.crs_choices = list(exc.choices)
            staff.record_rejection(store, wiz.layer_id, user, exc.code, wiz.filename, action="upload")
            status.update(label=t("up.rejected", lang), state="error", expanded=False)
        except Exception:  # noqa: BLE001 - a crash must not take the page down; nothing was written
            log.exception("checking upload %r for %s failed", wiz.filename, wiz.layer_id)
            wiz.crashed = True
            staff.record_rejection(store, wiz.layer_id, user, "internal_error", wiz.filename, action="upload")
            status.update(label=t("up.rejected", lang), state="error", expanded=False)
    wiz.checked = wanted


def _crs_options(wiz: Wizard, spec) -> list:
    region = layer_region(tuple(spec.region), float(staff.read_limits().region_margin_km))
    listed = suggest_choices(np.empty((0, 2)), region.lon_range)
    current = wiz.opts["crs"]
    extra = [c for c in [*wiz.crs_choices, current] if c and c not in listed]
    return ["", *listed, *extra]


def options_panel(wiz: Wizard, spec, lang: str) -> None:
    """Read options (CRS, encoding, source layer, repair); all start at 'from the file'."""
    opts = options_of(wiz)
    changed = opts != UploadOptions()
    with st.expander(t("up.options", lang) + (" · " + t("up.options_set", lang) if changed else ""), expanded=changed):
        c1, c2 = st.columns(2)
        c1.selectbox(t("up.opt_crs", lang), _crs_options(wiz, spec), **_bound(wiz, "crs"),
                     format_func=lambda c: crs_label(c, lang) if c else t("up.from_file", lang),
                     help=t("up.opt_crs_help", lang))
        c2.selectbox(t("up.opt_encoding", lang), ["", *ENCODING_CHOICES], **_bound(wiz, "encoding"),
                     format_func=lambda e: e or t("up.auto_encoding", lang),
                     help=t("up.opt_encoding_help", lang))
        if wiz.layer_names:
            c1.selectbox(t("up.opt_layer", lang), ["", *wiz.layer_names], **_bound(wiz, "layer_name"),
                         format_func=lambda n: n or t("up.choose", lang))
        c2.checkbox(t("up.opt_make_valid", lang), **_bound(wiz, "make_valid"), help=t("up.opt_make_valid_help", lang))


def _items_table(items: list[dict], lang: str) -> None:
    df = pd.DataFrame([{t("up.col_key", lang): str(i.get("key", "")), t("up.col_reason", lang): str(i.get("reason", ""))}
                       for i in items[:500]])
    st.dataframe(df, hide_index=True, width="stretch", height=min(38 + 35 * len(df), 280))


def show_rejection(wiz: Wizard, lang: str) -> None:
    """What was wrong, in the UI language, and the choice that fixes it when there is one."""
    exc = wiz.error
    if wiz.crashed or exc is None:
        st.error(t("up.crash", lang))
        return
    st.error(exc.message(lang), icon=":material/block:")
    if exc.items:
        _items_table(exc.items, lang)
    code, option = exc.code, exc.params.get("option")
    if code in CRS_CODES or (code == "bad_option" and option == "crs"):
        choices = exc.choices or [c for c in _crs_options(wiz, wiz_spec(wiz)) if c]
        with st.container(border=True):
            st.markdown(f"**{t('up.pick_crs', lang)}**")
            st.selectbox(t("up.opt_crs", lang), choices, key=wiz.key("pick_crs"), format_func=lambda c: crs_label(c, lang),
                         index=None, placeholder=t("up.choose", lang), label_visibility="collapsed")
            st.caption(t("up.gcj_hint", lang) if GCJ02 in choices else t("up.crs_more", lang))
            st.button(t("up.use_crs", lang), type="primary", key=wiz.key("use_crs"),
                      disabled=st.session_state.get(wiz.key("pick_crs")) is None,
                      on_click=_pick, args=(wiz, "crs", wiz.key("pick_crs")))
    elif code in ENCODING_CODES or (code == "bad_option" and option == "encoding"):
        choices = exc.choices or list(ENCODING_CHOICES)
        with st.container(border=True):
            st.markdown(f"**{t('up.pick_encoding', lang)}**")
            samples = staff.encoding_samples(wiz.data, options_of(wiz).layer_name)
            if samples:
                st.caption(t("up.samples", lang))
                st.dataframe(pd.DataFrame([{t("up.col_encoding", lang): label,
                                            t("up.col_sample", lang): " | ".join(s) if s else "✗ " + t("up.unreadable", lang)}
                                           for label, s in samples.items() if label in choices]),
                             hide_index=True, width="stretch")
            readable = [c for c in choices if samples.get(c)] if samples else []
            order = readable + [c for c in choices if c not in readable]
            st.radio(t("up.opt_encoding", lang), order, key=wiz.key("pick_encoding"), horizontal=True, index=None,
                     label_visibility="collapsed")
            st.button(t("up.use_encoding", lang), type="primary", key=wiz.key("use_encoding"),
                      disabled=st.session_state.get(wiz.key("pick_encoding")) is None,
                      on_click=_pick, args=(wiz, "encoding", wiz.key("pick_encoding")))
    elif code in LAYER_CODES and exc.choices:
        with st.container(border=True):
            st.markdown(f"**{t('up.pick_layer', lang)}**")
            st.radio(t("up.opt_layer", lang), exc.choices, key=wiz.key("pick_layer"), index=None,
                     label_visibility="collapsed")
            st.button(t("up.use_layer", lang), type="primary", key=wiz.key("use_layer"),
                      disabled=st.session_state.get(wiz.key("pick_layer")) is None,
                      on_click=_pick, args=(wiz, "layer_name", wiz.key("pick_layer")))
    elif code == "invalid_geometry":
        st.button(t("up.repair", lang), type="primary", key=wiz.key("use_repair"), icon=":material/healing:",
                  on_click=set_option, args=(wiz, "make_valid", True))
        st.caption(t("up.repair_hint", lang))
    else:
        st.info(t("up.fix_file", lang), icon=":material/edit_note:")


def wiz_spec(wiz: Wizard):
    return get_spec(wiz.layer_id)


# --------------------------------------------------------------------------- the validated candidate


def show_notices(cand: staff.Candidate, lang: str) -> None:
    up = cand.upload
    st.success(t("up.valid", lang, n=len(cand.gdf), format=up.source_format, crs=crs_label(up.source_crs, lang),
                 encoding=up.encoding or "—"), icon=":material/check_circle:")
    for w in up.warnings:
        code = getattr(w, "code", "")
        text = w.message(lang) if hasattr(w, "message") else str(w)
        if code == "encoding_detected":
            st.warning(text + " " + t("up.encoding_wrong_hint", lang), icon=":material/translate:")
        elif code in ("repaired_geometries", "crs_overridden"):
            st.warning(text, icon=":material/info:")
        else:
            st.info(text, icon=":material/info:")


def preview_map(cand: staff.Candidate, lang: str):
    """Current version (grey, dashed) under the upload (red; added blue), framed to the upload."""
    spec = cand.spec
    status = staff.feature_status(cand.diff)
    view = mapbuild.View.fit(staff.bounds_of(cand.gdf), width_px=900, height_px=PREVIEW_HEIGHT, max_zoom=15)
    background = ["admin_county"] if spec.group != "admin" else []
    m = mapbuild.build_map(background, lang=lang, view=view, labels=False)
    line = spec.geometry == "line"
    for order, (name, gdf, style, default) in enumerate((
            ("current", cand.current, CURRENT_STYLE, staff.STATUS_UNCHANGED),
            ("new", cand.gdf, NEW_STYLE, staff.STATUS_UNCHANGED)), start=len(background)):
        style = dict(style, fill=False) if line else style
        fc = staff.preview_collection(gdf, spec, status if name == "new" else
                                      {k: v for k, v in status.items() if v == staff.STATUS_REMOVED}, lang, default)
        mapview.add_layer(m, {"id": f"preview-{name}", "sources": [{"minZoom": 0, "maxZoom": 30, "data": fc}],
                              "style": style, "categories": {"field": "_status", "values": STATUS_STYLES[name]},
                              "radius": spec.style.radius, "interactive": name == "new", "back": False, "order": order})
    keys = cand.gdf[spec.key_field].astype(str).tolist()
    names = cand.gdf["name"].tolist() if "name" in cand.gdf.columns else keys
    labels, moved = [], set(cand.diff.geometry_changed)
    for key, name, geom in zip(keys, names, cand.gdf.geometry.values):
        if (key in moved or status.get(key) == staff.STATUS_ADDED) and geom is not None and len(labels) < 20:
            p = geom.representative_point()
            labels.append({"lat": round(p.y, 5), "lng": round(p.x, 5), "text": str(name or key), "minZoom": 0, "cls": "theme"})
    mapview.add_labels(m, labels)  # text is set with textContent in the browser, never as HTML
    return mapview.finish(m)


_MD_SPECIAL = "\\`*_{}[]()#+-.!|<>~:$"


def md_escape(text: str) -> str:
    """Text from a user (a file name) shown literally inside st.markdown."""
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in str(text))


def _swatch(css: str, label: str) -> str:
    return (f'<span style="display:inline-block;width:16px;height:12px;{css};vertical-align:middle;'
            f'margin:0 4px 0 14px"></span>{html.escape(label)}')


def show_preview(cand: staff.Candidate, nonce: str, lang: str) -> None:
    st.markdown(t("up.preview_title", lang, v=cand.base.version))
    st.markdown(" ".join([
        _swatch("border:2px dashed #6b7280", t("up.legend_current", lang, v=cand.base.version)),
        _swatch("border:2px solid #d62728;background:rgba(214,39,40,.12)", t("up.legend_new", lang)),
        _swatch("border:3px solid #d62728;background:rgba(214,39,40,.3)", t("up.status_changed", lang)),
        _swatch("border:3px solid #1f6feb;background:rgba(31,111,235,.3)", t("up.status_added", lang)),
        _swatch("border:3px solid #111827;background:rgba(107,114,128,.35)", t("up.status_removed", lang)),
    ]), unsafe_allow_html=True)
    if ("preview", lang) not in cand.drawn:  # the candidate is immutable: build its map once
        cand.drawn[("preview", lang)] = preview_map(cand, lang)
    ui_map.render_map(cand.drawn[("preview", lang)], key=f"up-preview-{nonce}", height=PREVIEW_HEIGHT, use_container_width=True,
                      returned_objects=[])


def _text(v) -> str:
    return "" if v is None else str(v)


def show_diff(cand: staff.Candidate, lang: str) -> None:
    d = cand.diff
    st.markdown(f"#### {t('up.diff_title', lang)}")
    before, after = d.total_area_km2
    c = st.columns(5)
    c[0].metric(t("up.status_added", lang), len(d.added))
    c[1].metric(t("up.status_removed", lang), len(d.removed))
    c[2].metric(t("up.status_changed", lang), len(d.changed))
    c[3].metric(t("up.status_unchanged", lang), d.unchanged)
    c[4].metric(t("up.total_area", lang), f"{after:,.2f} km²", f"{after - before:+,.2f} km²", delta_color="off")
    st.caption(d.summary(lang))
    status = staff.feature_status(d)
    tab_area, tab_attr, tab_data = st.tabs([t("up.tab_area", lang, n=len(d.area_change)),
                                            t("up.tab_attr", lang, n=len(d.attribute_changes)),
                                            t("up.tab_data", lang, n=len(cand.gdf))])
    with tab_area:
        if d.area_change.empty:
            st.caption(t("up.no_changes_short", lang))
        else:
            a = d.area_change
            st.dataframe(pd.DataFrame({
                t("up.col_key", lang): a["key"].astype(str), t("up.col_name", lang): a["name"].astype(str),
                t("up.col_status", lang): [t(f"up.status_{status.get(k, 'unchanged')}", lang) for k in a["key"]],
                t("up.col_before", lang): a["area_before_km2"].map(staff.fmt_km2),
                t("up.col_after", lang): a["area_after_km2"].map(staff.fmt_km2),
                t("up.col_delta", lang): a["delta_km2"].map(lambda v: "" if pd.isna(v) else f"{v:+,.4f}"),
                t("up.col_pct", lang): a["delta_pct"].map(lambda v: "" if pd.isna(v) else f"{v:+.1f}%"),
            }), hide_index=True, width="stretch")
    with tab_attr:
        if d.attribute_changes.empty:
            st.caption(t("up.no_attr_changes", lang))
        else:
            a = d.attribute_changes
            st.dataframe(pd.DataFrame({
                t("up.col_key", lang): a["key"].astype(str), t("up.col_field", lang): a["field"].astype(str),
                t("up.col_before", lang): a["before"].map(_text), t("up.col_after", lang): a["after"].map(_text),
            }), hide_index=True, width="stretch")
    with tab_data:
        data = cand.gdf.drop(columns=cand.gdf.geometry.name).head(500)
        st.dataframe(data.map(_text), hide_index=True, width="stretch")
        st.caption(t("up.data_hint", lang))


def publish_step(wiz: Wizard, user, store, lang: str) -> None:
    cand = wiz.candidate
    head = store.head(cand.layer_id)
    if head.version != cand.base.version:
        st.warning(t("up.stale", lang, base=cand.base.version, head=head.version, author=head.author), icon=":material/sync_problem:")
        st.button(t("up.recompare", lang), key=wiz.key("recompare"), type="primary", on_click=_forget_check, args=(wiz,))
        return
    if not cand.diff.has_changes:
        st.info(t("up.no_changes", lang, v=cand.base.version), icon=":material/check:")
        return
    st.markdown(f"#### {t('up.publish_title', lang)}")
    with st.form(wiz.key("publish_form")):
        message = st.text_area(t("up.message", lang), placeholder=t("up.message_ph", lang), key=wiz.key("message"),
                               max_chars=2000)
        go = st.form_submit_button(t("up.publish", lang, v=cand.base.version + 1), type="primary",
                                   icon=":material/publish:")
    st.caption(t("up.publish_hint", lang, v=cand.base.version))
    if not go:
        return
    if not (message or "").strip():
        st.error(t("up.message_needed", lang))
        return
    info = do_publish(wiz, user, message, store, lang)
    if info is not None:
        st.rerun()


def _forget_check(wiz: Wizard) -> None:
    wiz.checked = None


def do_publish(wiz: Wizard, user, message: str, store, lang: str):
    """Publish the wizard's candidate; on success reset the wizard and return the new VersionInfo."""
    from .store import Conflict, StoreError

    cand = wiz.candidate
    with st.status(t("up.publishing", lang), expanded=True) as status:
        try:
            st.write(t("up.step_publish", lang))
            info = staff.publish(cand, user, message, store=store)
        except StoreError as exc:  # audited by the store; the layer is unchanged
            status.update(label=t("up.publish_failed", lang), state="error", expanded=True)
            st.error(exc.message(lang))
            if isinstance(exc, Conflict):
                st.button(t("up.recompare", lang), key=wiz.key("recompare_conflict"), on_click=_forget_check, args=(wiz,))
            return None
        st.write(t("up.step_refresh", lang))
        try:  # prepare the browser data of the new version now, so the maps open fast
            from . import mapdata

            mapdata.layer_sources(cand.layer_id, lang)
        except Exception:  # noqa: BLE001 - a cache, never a reason to fail a publish
            log.exception("warming the map data of %s failed", cand.layer_id)
        status.update(label=t("up.published_short", lang, v=info.version), state="complete", expanded=False)
    focus = [*cand.diff.geometry_changed, *cand.diff.added, *cand.diff.changed][:1]
    st.session_state[SS_DONE] = {"layer": cand.layer_id, "version": info.version, "features": info.feature_count,
                                 "focus": focus[0] if focus else None}
    start_over()
    return info


def show_published(lang: str) -> None:
    done = st.session_state.get(SS_DONE)
    if not done:
        return
    spec = get_spec(done["layer"])
    st.success(t("up.published", lang, title=spec.title(lang), v=done["version"], n=done["features"]),
               icon=":material/task_alt:")
    c1, c2 = st.columns(2)
    params = {"layers": ",".join(dict.fromkeys(["admin_context", "admin_prefecture", spec.id]))}
    if done.get("focus"):
        params["sel"] = done["focus"]  # the overview selects the changed feature and frames it
    with c1:
        st.page_link("pages/overview.py", label=t("up.see_overview", lang), icon=":material/map:", query_params=params)
    if spec.id == "control_zones":
        with c2:
            st.page_link("pages/control_zones.py", label=t("up.see_cz", lang), icon=":material/policy:")


# --------------------------------------------------------------------------- the upload section


def _layer_label(layer_id: str, lang: str) -> str:
    try:
        return f"{get_spec(layer_id).title(lang)} · {layer_id}"
    except KeyError:
        return layer_id


def layer_picker(store, lang: str, key: str, default: str | None = None, label: str = "up.layer") -> str:
    """A layer select box whose choice survives sections in which it is not drawn."""
    ss, keep = st.session_state, f"{key}:keep"
    ids = staff.ordered_layer_ids(store)
    if key not in ss or ss[key] not in ids:
        wanted = ss.get(keep, default)
        ss[key] = wanted if wanted in ids else (DEFAULT_LAYER if DEFAULT_LAYER in ids else ids[0])
    ss[keep] = st.selectbox(t(label, lang), ids, key=key, format_func=lambda i: _layer_label(i, lang))
    return ss[keep]


def requirements(spec, head, lang: str) -> None:
    region = layer_region(tuple(spec.region), float(staff.read_limits().region_margin_km))
    st.caption(t("up.current", lang, v=head.version, n=head.feature_count, when=head.created[:16].replace("T", " "),
                 author=head.author))
    with st.expander(t("up.needs", lang)):
        st.markdown(t("up.needs_text", lang, kind=t(f"up.kind_{spec.geometry}", lang), keyfield=spec.key_field,
                      fields="、".join(spec.required_attributes) if lang != "en" else ", ".join(spec.required_attributes),
                      region=region.label_en if lang == "en" else region.label_zh))


def steps_bar(step: int, lang: str) -> None:
    names = [t(f"up.wstep_{i}", lang) for i in range(1, 5)]
    parts = [f"**:blue[{i}. {n}]**" if i == step else (f":green[✓ {i}. {n}]" if i < step else f":gray[{i}. {n}]")
             for i, n in enumerate(names, 1)]
    st.markdown(" &nbsp;→&nbsp; ".join(parts))


def upload_section(user, store, lang: str) -> None:
    ss = st.session_state
    wiz: Wizard | None = ss.get(SS_WIZ)
    show_published(lang)
    col_a, col_b = st.columns([2, 3], gap="medium")
    with col_a:
        layer_id = layer_picker(store, lang, "up:layer")
        spec = get_spec(layer_id)
        requirements(spec, store.head(layer_id), lang)
    with col_b:
        if wiz is None:
            limits = staff.read_limits()
            up = file_input(t("up.file", lang), key=f"up:file:{ss.get(SS_NONCE, 0)}",
                            help=t("up.file_help", lang, mb=round(limits.max_upload_bytes / 2**20)))
            if up is None:
                steps_bar(1, lang)
                st.info(t("up.empty", lang), icon=":material/upload_file:")
                return
            new_wizard(layer_id, up.name, up.getvalue())
            st.rerun()  # the file card replaces the uploader
        wiz.layer_id = layer_id
        c1, c2 = st.columns([3, 1])
        c1.markdown(t("up.file_card", lang, name=md_escape(wiz.filename), kb=f"{len(wiz.data) / 1024:,.1f}"))
        c2.button(t("up.start_over", lang), key="up:start_over", on_click=start_over, icon=":material/restart_alt:")
        options_panel(wiz, spec, lang)
    bar = st.empty()
    check(wiz, user, store, lang)
    with bar.container():
        steps_bar(3 if wiz.candidate is not None else 2, lang)
    if wiz.candidate is None:
        show_rejection(wiz, lang)
        st.caption(t("up.nothing_written", lang, v=store.head(layer_id).version))
        return
    show_notices(wiz.candidate, lang)
    show_preview(wiz.candidate, wiz.digest[:12], lang)
    show_diff(wiz.candidate, lang)
    publish_step(wiz, user, store, lang)


# --------------------------------------------------------------------------- history and rollback


def history_section(user, store, lang: str) -> None:
    from .store import StoreError

    layer_id = layer_picker(store, lang, "hist:layer", default=st.session_state.get("up:layer:keep"), label="up.col_layer")
    versions = store.history(layer_id)
    head = versions[0]
    st.dataframe(pd.DataFrame([{
        t("up.col_version", lang): f"v{v.version}" + (" ● " + t("up.current_mark", lang) if v.version == head.version else ""),
        t("up.col_time", lang): v.created[:19].replace("T", " "),
        t("up.col_author", lang): v.author,
        t("up.col_action", lang): _label("up.action_", v.action, lang) + (f" ← v{v.restored_from}" if v.restored_from else ""),
        t("up.col_features", lang): v.feature_count,
        t("up.col_message", lang): v.message,
        t("up.col_checksum", lang): v.checksum[:12],
    } for v in versions]), hide_index=True, width="stretch")
    numbers = [v.version for v in versions]
    c1, c2 = st.columns([1, 2])
    pick = c1.selectbox(t("up.pick_version", lang), numbers, key=f"hist:dl:{layer_id}", format_func=lambda n: f"v{n}")
    c2.download_button(t("up.download", lang, v=pick), data=lambda: store.read(layer_id, pick).to_json(ensure_ascii=False),
                       file_name=f"{layer_id}-v{pick}.geojson", mime="application/geo+json", key=f"hist:dlb:{layer_id}",
                       icon=":material/download:", on_click="ignore")
    st.markdown(f"#### {t('up.rollback_title', lang)}")
    if not user.has(auth.Role.ADMIN):
        st.caption(t("up.rollback_admin_only", lang))
        return
    older = [n for n in numbers if n != head.version]
    if not older:
        st.caption(t("up.rollback_none", lang))
        return
    with st.form(f"hist:rollback:{layer_id}"):
        to = st.selectbox(t("up.rollback_to", lang), older, format_func=lambda n: f"v{n}", key=f"hist:to:{layer_id}")
        why = st.text_input(t("up.rollback_why", lang), key=f"hist:why:{layer_id}")
        sure = st.checkbox(t("up.rollback_confirm", lang, v=head.version), key=f"hist:sure:{layer_id}")
        go = st.form_submit_button(t("up.rollback_btn", lang), type="primary", icon=":material/history:")
    if go:
        if not sure:
            st.error(t("up.rollback_confirm_needed", lang))
            return
        try:
            info = store.rollback(layer_id, int(to), actor=user, message=why, base_version=head.version)
        except StoreError as exc:
            st.error(exc.message(lang))
            return
        st.success(t("up.rolled_back", lang, v=info.version, to=to))


# --------------------------------------------------------------------------- audit


def audit_section(user, store, lang: str) -> None:
    ids = staff.ordered_layer_ids(store)
    which = st.selectbox(t("up.audit_layer", lang), [None, *ids], key="audit:layer",
                         format_func=lambda i: t("up.all_layers", lang) if i is None else _layer_label(i, lang))
    entries = store.audit(which, limit=300)
    if not entries:
        st.info(t("up.audit_empty", lang))
        return
    admin = user.has(auth.Role.ADMIN)
    icons = {"ok": "✓", "failed": "✗", "denied": "⛔", "skipped": "–"}

    def reason(e) -> str:
        text = e.get("reason") or ""
        if admin or text.startswith("upload rejected: "):
            return text[:300]
        return text.split(":", 1)[0]  # failure details are for administrators; staff see the code

    st.dataframe(pd.DataFrame([{
        t("up.col_time", lang): e["ts"][:19].replace("T", " "),
        t("up.col_author", lang): e["actor"],
        t("up.col_role", lang): auth.Role(e["role"]).label(lang) if e["role"] in {r.value for r in auth.Role} else e["role"],
        t("up.col_action", lang): _label("up.action_", e["action"], lang),
        t("up.col_layer", lang): e["layer_id"] or "—",
        t("up.col_version", lang): "" if e["version"] is None else f"v{e['version']}",
        t("up.col_outcome", lang): f"{icons.get(e['outcome'], '')} {_label('up.outcome_', e['outcome'], lang)}",
        t("up.col_reason", lang): reason(e) or e.get("message") or "",
    } for e in entries]), hide_index=True, width="stretch")
    st.caption(t("up.audit_hint", lang))


# --------------------------------------------------------------------------- users (admins)


def users_section(user, lang: str) -> None:
    msg = st.session_state.pop("users:msg", None)
    if msg:
        st.success(msg)
    rows = auth.list_users()
    st.dataframe(pd.DataFrame([{
        t("up.col_user", lang): r["name"], t("up.col_role", lang): auth.Role(r["role"]).label(lang),
        t("up.col_created", lang): str(r["created"])[:16].replace("T", " "),
        t("up.col_failed", lang): r["failed_logins"],
        t("up.col_locked", lang): t("up.locked_for", lang, s=r["locked_seconds"]) if r["locked_seconds"] else "",
    } for r in rows]), hide_index=True, width="stretch")
    c1, c2 = st.columns(2, gap="large")
    with c1, st.form("users:add", clear_on_submit=True):
        st.markdown(f"**{t('up.user_add', lang)}**")
        name = st.text_input(t("auth.name", lang), key="users:add:name")
        pw = st.text_input(t("auth.password", lang), type="password", key="users:add:pw", help=t("up.pw_help", lang))
        role = st.selectbox(t("up.col_role", lang), [r.value for r in auth.ACCOUNT_ROLES], key="users:add:role",
                            format_func=lambda r: auth.Role(r).label(lang))
        if st.form_submit_button(t("up.user_add_btn", lang), type="primary"):
            _account_action(lambda: auth.add_user(name, pw, role, actor=user), t("up.user_added", lang, name=name), lang)
    others = [r["name"] for r in rows if r["name"] != user.name]
    with c2:
        st.markdown(f"**{t('up.user_manage', lang)}**")
        if not others:
            st.caption(t("up.user_none", lang))
            return
        who = st.selectbox(t("up.col_user", lang), others, key="users:who")
        new_role = st.selectbox(t("up.col_role", lang), [r.value for r in auth.ACCOUNT_ROLES], key="users:role",
                                format_func=lambda r: auth.Role(r).label(lang))
        sure = st.checkbox(t("up.user_remove_confirm", lang, name=who), key="users:sure")
        b1, b2, b3 = st.columns(3)
        if b1.button(t("up.user_set_role", lang), key="users:set_role"):
            _account_action(lambda: auth.set_role(who, new_role, actor=user), t("up.user_changed", lang, name=who), lang)
        if b2.button(t("up.user_unlock", lang), key="users:unlock"):
            _account_action(lambda: auth.users().unlock(who, actor=user), t("up.user_changed", lang, name=who), lang)
        if b3.button(t("up.user_remove", lang), key="users:remove", type="secondary", disabled=not sure):
            _account_action(lambda: auth.remove_user(who, actor=user), t("up.user_removed", lang, name=who), lang)
        with st.form("users:reset", clear_on_submit=True):
            pw = st.text_input(t("auth.new_pw", lang), type="password", key="users:reset:pw", help=t("up.pw_help", lang))
            if st.form_submit_button(t("auth.reset_pw", lang)):
                _account_action(lambda: auth.set_password(who, pw, actor=user), t("up.user_changed", lang, name=who), lang)
        st.caption(t("up.user_self", lang))


def _account_action(fn, ok_text: str, lang: str) -> None:
    try:
        fn()
    except auth.AuthError as exc:
        st.error(exc.message(lang))
        return
    st.session_state["users:msg"] = ok_text
    st.rerun()


def _label(prefix: str, value: str, lang: str) -> str:
    from .i18n import STRINGS

    return t(prefix + value, lang) if prefix + value in STRINGS else str(value)
