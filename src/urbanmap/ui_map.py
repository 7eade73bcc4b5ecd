"""Streamlit glue for maps: layer toggles, selection, view memory, deep links.

A page creates a :class:`MapState` and calls :func:`show_map`.  The map's
script only changes when the layer set, language or basemap changes; clicks
come back through ``last_active_drawing`` and update the selection (drawn via
``feature_group_to_add``) without remounting.  The view and selection of each
page survive moving between pages, and ``?layers=…&sel=…`` deep links open
the same view.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import streamlit as st

from . import features, mapbuild, mapview
from .layers import get_spec
from .ui_state import current_lang

#: The only keys we ask streamlit-folium to send back (each change = one rerun).
RETURNED = ["last_active_drawing", "last_object_clicked", "last_clicked", "center", "zoom"]


def render_map(m, **kwargs):
    """Indirection so tests can simulate clicks (AppTest cannot run the component)."""
    from streamlit_folium import st_folium

    return st_folium(m, **kwargs)


@dataclass
class MapState:
    page: str
    default_layers: list[str]
    default_region: str = "all"
    layers: list[str] = field(default_factory=list)
    selected: str | None = None
    in_url: bool = True  # the page's main map keeps layers/selection in the URL

    def load_local(self) -> "MapState":
        """A secondary map on a page: state in the session only, never in the URL."""
        self.in_url = False
        ss = st.session_state
        self.layers = list(ss.get(self._k("layers"), self.default_layers))
        self.selected = ss.get(self._k("sel"))
        return self

    def _k(self, name: str) -> str:
        return f"map:{self.page}:{name}"

    def load(self) -> "MapState":
        ss, qp = st.session_state, st.query_params
        if "layers" in qp:
            wanted = [x for x in qp["layers"].split(",") if x]
            self.layers = [x for x in wanted if _known_layer(x)]
        else:
            self.layers = list(ss.get(self._k("layers"), self.default_layers))
        if "sel" in qp:
            self.selected = qp["sel"] if features.lookup(qp["sel"]) else None
            if self.selected and self.selected != ss.get(self._k("sel")):
                self.jump_to(self.selected)
        else:
            self.selected = ss.get(self._k("sel"))
        request = ss.pop("_select_request", None)  # e.g. the panel's "see the parent region"
        if request and features.lookup(request):
            self.selected = request
            self.jump_to(request)
        self._sync()
        return self

    def _sync(self) -> None:
        ss = st.session_state
        ss[self._k("layers")] = list(self.layers)
        ss[self._k("sel")] = self.selected
        if not self.in_url:
            return
        st.query_params["layers"] = ",".join(self.layers)
        if self.selected:
            st.query_params["sel"] = self.selected
        elif "sel" in st.query_params:
            del st.query_params["sel"]

    def set_layers(self, layers: list[str]) -> None:
        self.layers = list(dict.fromkeys(layers))
        self._sync()

    def select(self, fid: str | None, *, jump: bool = False) -> None:
        self.selected = fid
        if fid and jump:
            self.jump_to(fid)
        self._sync()

    def jump_to(self, fid: str) -> None:
        f = features.lookup(fid)
        if f:
            minx, miny, maxx, maxy = f["bounds"]
            self.jump(mapbuild.View.fit((miny, minx, maxy, maxx), max_zoom=11))

    def jump_to_bounds(self, bounds_xy, max_zoom: int = 15) -> None:
        """Frame (minx, miny, maxx, maxy), e.g. a shapely geometry's ``bounds``."""
        minx, miny, maxx, maxy = bounds_xy
        pad = max(maxx - minx, maxy - miny, 0.002) * 0.5
        self.jump(mapbuild.View.fit((miny - pad, minx - pad, maxy + pad, maxx + pad), max_zoom=max_zoom))

    def jump(self, view: mapbuild.View) -> None:
        st.session_state[self._k("jump")] = view
        st.session_state[self._k("view")] = view

    def view(self) -> mapbuild.View:
        v = st.session_state.get(self._k("view"))
        return v or mapbuild.View.fit(mapbuild.region_bounds(self.default_region))


def _known_layer(layer_id: str) -> bool:
    try:
        get_spec(layer_id)
        return True
    except KeyError:
        return False


def show_map(state: MapState, *, basemap: str = "none", height: int = 620, key: str | None = None,
             overlay: dict | None = None) -> dict:
    """Draw the page's map and fold the browser's answer back into ``state``.

    Returns the raw component value (``last_clicked`` is used by the site check).
    """
    ss = st.session_state
    lang = current_lang()
    mount = (tuple(state.layers), lang, basemap)
    if ss.get(state._k("mount")) != mount:
        # the script will change: start from the last known view, forget old jumps
        ss[state._k("mount")] = mount
        ss[state._k("initial")] = state.view()
        ss.pop(state._k("jump"), None)
    initial: mapbuild.View = ss.get(state._k("initial")) or state.view()
    m = mapbuild.build_map(state.layers, lang=lang, view=initial, basemap=basemap)
    datum = mapview.basemap_datum(basemap)
    highlight = mapview.highlight_group(features.geojson_of(state.selected, datum=datum) if state.selected else None)
    groups = [highlight] if overlay is None else [highlight, mapview.highlight_group(overlay, color="#111111", name="site")]
    jump: mapbuild.View | None = ss.get(state._k("jump"))
    map_key = key or f"map_{state.page}"
    out = render_map(
        m, key=map_key, height=height, use_container_width=True,
        returned_objects=RETURNED, feature_group_to_add=groups,
        center=list(jump.center) if jump else None, zoom=jump.zoom if jump else None,
        on_change=functools.partial(_on_map_change, state, map_key),
    ) or {}
    # remember the view the user left the map at
    c, z = out.get("center"), out.get("zoom")
    if c and z:
        ss[state._k("view")] = mapbuild.View((c["lat"], c["lng"]), int(z))
    # a new click on a feature selects it (normally already done by _on_map_change,
    # before this run; this path remains for callers without the callback)
    fid, click_sig = _clicked(out)
    if fid and click_sig != ss.get(state._k("click")):
        ss[state._k("click")] = click_sig
        if fid != state.selected and features.lookup(fid):
            state.select(fid)
            st.rerun()
    return out


def _clicked(out: dict) -> tuple[str | None, tuple]:
    """The feature id of the last click on a feature, and a signature of that click."""
    drawing = (out or {}).get("last_active_drawing") or {}
    fid = str((drawing.get("properties") or {}).get("id") or "") or None
    return fid, (fid, str((out or {}).get("last_object_clicked")))


def _on_map_change(state: MapState, map_key: str) -> None:
    """Runs before the script when the map reports a click: select the feature now, so
    the same run draws the panel and highlight (no second run for the click)."""
    ss = st.session_state
    fid, click_sig = _clicked(ss.get(map_key) or {})
    if fid and click_sig != ss.get(state._k("click")) and features.lookup(fid):
        ss[state._k("click")] = click_sig
        ss[state._k("sel")] = fid
        if state.in_url:
            st.query_params["sel"] = fid


GROUP_ORDER = ("admin", "clusters", "liupanshui", "control_zones")


def layer_picker(state: MapState, lang: str, groups=GROUP_ORDER) -> None:
    """Grouped layer checkboxes (sidebar); keeps state, session and URL in step."""
    from .i18n import t
    from .layers import load_manifest

    ss = st.session_state
    specs = [s for s in load_manifest() if s.group in groups and s.id != "admin_context"]
    keys = {s.id: f"lyr:{state.page}:{s.id}" for s in specs}
    synced_key = f"lyr_synced:{state.page}"
    external = ss.get(synced_key) != tuple(state.layers)
    for sid, k in keys.items():
        # The layer set changed outside the checkboxes (deep link, another widget), or
        # Streamlit dropped the widget's state while another page was shown: the
        # state wins.  Otherwise a click on a checkbox stands.
        if external or k not in ss:
            ss[k] = sid in state.layers
    for group in groups:
        members = [s for s in specs if s.group == group]
        if not members:
            continue
        st.markdown(f"**{t('group.' + group, lang)}**")
        for s in members:
            label = s.title(lang) + (f" · {t('badge.schematic_short', lang)}" if s.schematic else "")
            st.checkbox(label, key=keys[s.id], help=s.description(lang))
    chosen = [sid for sid, k in keys.items() if ss.get(k)]
    # keep the context layer (not offered as a toggle) if the page uses it
    if "admin_context" in state.layers:
        chosen = ["admin_context", *chosen]
    if chosen != state.layers:
        state.set_layers(chosen)
    ss[synced_key] = tuple(state.layers)


def region_jump(state: MapState, lang: str) -> None:
    from .i18n import t

    options = list(mapbuild.REGIONS)
    choice = st.segmented_control(
        t("map.jump", lang), options, format_func=lambda r: t("region." + r, lang),
        key=f"jump:{state.page}", selection_mode="single",
    )
    last = st.session_state.get(f"jump_done:{state.page}")
    if choice and choice != last:
        st.session_state[f"jump_done:{state.page}"] = choice
        state.jump(mapbuild.View.fit(mapbuild.REGIONS[choice]))
    elif not choice:
        st.session_state[f"jump_done:{state.page}"] = None


def feature_search(state: MapState, lang: str) -> None:
    from .i18n import t

    idx = features.index()
    ids = list(idx.index)
    label = {fid: f"{n} · {get_spec(l).title(lang)}" for fid, n, l in zip(idx["id"], idx["name"], idx["layer_id"])}
    key = f"search:{state.page}"
    if st.session_state.get(key) not in (None, state.selected):
        st.session_state[key] = None  # a map click moved the selection on
    choice = st.selectbox(
        t("map.search", lang), ids, index=ids.index(state.selected) if state.selected in ids else None,
        format_func=label.get, placeholder=t("map.search_placeholder", lang), key=key,
    )
    if choice and choice != state.selected:
        state.select(choice, jump=True)
        st.rerun()


def basemap_picker(lang: str, key: str = "basemap") -> str:
    from .i18n import t

    options = mapview.available_basemaps()
    choice = st.selectbox(t("map.basemap", lang), options, format_func=lambda b: t("basemap." + b, lang), key=key)
    if choice != "none":
        st.caption(t("map.basemap_online", lang))
    return choice or "none"
