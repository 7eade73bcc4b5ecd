"""Home: the three provinces the plans cover (placeholder until the dashboard lands)."""

import streamlit as st
from streamlit_folium import st_folium

from urbanmap.i18n import t
from urbanmap.mapview import admin_overview_map
from urbanmap.ui_state import current_lang

lang = current_lang()


st.title(t("app.title", lang))
st.caption(t("app.subtitle", lang))
st.subheader(t("home.provinces", lang))
# Built per run from cached data: st_folium mutates the map object it renders,
# so a cached folium.Map must never be handed to it twice.
st_folium(admin_overview_map(lang), key=f"home_map_{lang}", height=620, use_container_width=True, returned_objects=[])
st.caption(t("home.boundaries_note", lang))
