"""Site-check widgets for the 城市四线 page (Streamlit glue around ``sitecheck``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from shapely.geometry import Point

from . import sitecheck
from .i18n import t


def site_inputs(map_out: dict, lang: str):
    """The three ways to give a site; returns a new site geometry or None."""
    tab_click, tab_coords, tab_file = st.tabs([t("cz.by_click", lang), t("cz.by_coords", lang), t("cz.by_file", lang)])
    radius = 0.0
    with tab_click:
        radius = st.slider(t("cz.radius", lang), 0, 2000, 200, step=50, key="cz_radius", help=t("cz.radius_help", lang))
        clicked = (map_out or {}).get("last_clicked")
        if clicked:
            st.caption(t("cz.clicked", lang, lat=f"{clicked['lat']:.5f}", lng=f"{clicked['lng']:.5f}"))
            if st.button(t("cz.use_click", lang), key="cz_use_click", type="primary"):
                return sitecheck.grow(Point(clicked["lng"], clicked["lat"]), radius)
        else:
            st.caption(t("cz.click_hint", lang))
    with tab_coords:
        text = st.text_input(t("cz.coords", lang), placeholder="25.045, 102.705", key="cz_coords")
        gcj = st.checkbox(t("cz.coords_gcj", lang), key="cz_coords_gcj")
        if st.button(t("cz.check", lang), key="cz_check_coords", type="primary"):
            try:
                return sitecheck.grow(sitecheck.parse_coordinates(text, gcj=gcj), st.session_state.get("cz_radius", 0))
            except sitecheck.SiteInputError as exc:
                st.error(exc.message(lang))
    with tab_file:
        up = st.file_uploader(t("cz.file", lang), type=["geojson", "json", "zip", "gpkg", "kml", "kmz"], key="cz_file",
                              help=t("cz.file_help", lang))
        if up is not None and st.button(t("cz.check", lang), key="cz_check_file", type="primary"):
            with st.spinner(t("cz.reading", lang)):
                try:
                    return sitecheck.read_parcel(up.getvalue(), up.name)
                except sitecheck.SiteInputError as exc:
                    st.error(exc.message(lang))
    return None


def site_results(site, lang: str) -> None:
    hits = sitecheck.check(site)
    summ = sitecheck.summary(hits, lang)
    touched = summ[summ["touched"]]
    if touched.empty:
        st.success(t("cz.clear", lang))
    else:
        st.error(t("cz.touches", lang, lines="、".join(touched["line"])))
    st.dataframe(pd.DataFrame({
        t("cz.col_line", lang): summ["line"],
        t("cz.col_touched", lang): summ["touched"].map({True: "✗ " + t("cz.yes", lang), False: "✓ " + t("cz.no", lang)}),
        t("cz.col_overlap", lang): summ["overlap_km2"].map(lambda v: f"{v * 100:.2f} ha" if v else "—"),
        t("cz.col_zones", lang): summ["zones"],
        t("cz.col_rule", lang): summ["rule"] + "（" + summ["legal_basis"] + "）",
    }), hide_index=True, width="stretch")
    if st.button(t("cz.clear_site", lang), key="cz_clear"):
        st.session_state.pop("cz_site", None)
        st.rerun()
