"""城市四线 Control zones: zones by type, areas vs the Yunnan totals, and the site check (合规性审查)."""

import json

import shapely
import streamlit as st

from urbanmap import charts, features, geoservices, sitecheck, ui_map
from urbanmap.i18n import t
from urbanmap.layers import get_spec
from urbanmap.ui_panel import feature_panel
from urbanmap.ui_site import site_inputs, site_results
from urbanmap.ui_state import current_lang

lang = current_lang()
spec = get_spec("control_zones")
st.title(t("cz.title", lang))
st.caption(t("cz.caption", lang))
if sitecheck.is_demonstration():
    st.warning(t("cz.demo", lang), icon=":material/info:")

st.markdown(" ".join(
    f'<span style="display:inline-block;width:14px;height:14px;background:{e["style"]["fillColor"]};border:2px solid '
    f'{e["style"]["color"]};vertical-align:middle;margin:0 4px 0 12px"></span>{e["label"]}'
    for e in geoservices.legend(spec, lang)), unsafe_allow_html=True)

state = ui_map.MapState("control-zones", default_layers=["admin_county", "admin_prefecture", "control_zones"],
                        default_region="kunming").load()
site = st.session_state.get("cz_site")
col_map, col_side = st.columns([5, 3], gap="medium")
with col_map:
    out = ui_map.show_map(state, height=560, overlay=json.loads(shapely.to_geojson(site)) if site is not None else None)
with col_side:
    st.subheader(t("cz.site_check", lang))
    new_site = site_inputs(out, lang)
    if new_site is not None:
        st.session_state["cz_site"] = new_site
        state.jump_to_bounds(new_site.bounds)
        st.rerun()
    if site is not None:
        site_results(site, lang)
    else:
        st.info(t("cz.site_empty", lang))

st.divider()
st.subheader(t("cz.areas", lang))
areas = sitecheck.type_areas()
rows = [(r.line, r.layer_km2, r.plan_km2, spec.style.categories["values"][r.line_type]) for r in areas.itertuples()]
st.plotly_chart(charts.compare_areas(rows, lang, labels=(t("cz.layer_areas", lang), t("cz.plan_areas", lang))), width="stretch", key="cz-areas")
st.caption(t("cz.areas_note", lang, ids="、".join(a for a in areas["plan_target_id"] if a)))
if state.selected and features.lookup(state.selected):
    feature_panel(state.selected, lang)
