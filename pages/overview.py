"""总览 Overview: every layer group, search, selection and the targets panel."""

import streamlit as st

from urbanmap import ui_map
from urbanmap.i18n import t
from urbanmap.ui_panel import feature_panel
from urbanmap.ui_state import current_lang

lang = current_lang()
state = ui_map.MapState(
    "overview", default_layers=["admin_context", "admin_prefecture", "admin_province"], default_region="all",
).load()

with st.sidebar:
    ui_map.feature_search(state, lang)
    ui_map.region_jump(state, lang)
    with st.expander(t("map.layers", lang), expanded=True):
        ui_map.layer_picker(state, lang)
    basemap = ui_map.basemap_picker(lang, key="basemap:overview")

st.title(t("overview.title", lang))
st.caption(t("overview.caption", lang))
col_map, col_panel = st.columns([5, 3], gap="medium")
with col_map:
    ui_map.show_map(state, basemap=basemap)
with col_panel:
    feature_panel(state.selected, lang)
