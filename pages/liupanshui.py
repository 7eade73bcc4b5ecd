"""六盘水空间格局 Liupanshui layout: 一带三心、两轴四区, the 三心 targets, the central-city inset."""

import streamlit as st

from urbanmap import charts, describe, targets, ui_map
from urbanmap.i18n import t
from urbanmap.ui_panel import feature_panel, schematic_badge
from urbanmap.ui_state import current_lang

lang = current_lang()
BASE = ["admin_context", "admin_county", "admin_prefecture", "admin_province"]
STRUCTURE = ["lps_zones", "lps_belt", "lps_axes", "lps_centers"]
state = ui_map.MapState("liupanshui", default_layers=BASE + STRUCTURE, default_region="liupanshui").load()

st.title(t("lps.title", lang))
st.caption(t("lps.caption", lang))
schematic_badge(lang)

col_map, col_side = st.columns([5, 3], gap="medium")
with col_map:
    ui_map.show_map(state, height=560)
with col_side:
    groups = [("lps_belt", "lps.belt"), ("lps_centers", "lps.centers"), ("lps_axes", "lps.axes"), ("lps_zones", "lps.zones")]
    for layer_id, key in groups:
        with st.expander(t(key, lang), expanded=layer_id == "lps_centers"):
            for e in describe.elements([layer_id], lang).itertuples():
                if st.button(e.name, key=f"lps-el-{e.id}", width="stretch", type="primary" if e.id == state.selected else "secondary"):
                    state.select(e.id, jump=True)
                    st.rerun()
                st.caption(f"{e.role} — {e.description}")
    feature_panel(state.selected, lang)

st.divider()
st.subheader(t("lps.centers_targets", lang))
df = targets.load_targets()
centres = df[df["region_code"].str.startswith("lps-center-") & (df["kind"] == "quantitative")]
names = dict(zip(centres["region_code"], centres["region_name"]))
c1, c2 = st.columns(2)
with c1:
    st.plotly_chart(charts.by_year(centres[centres["indicator"].str.contains("人口") & ~centres["indicator"].str.contains("转移|落户|吸纳")], names, lang,
                                   title=t("lps.population", lang)), width="stretch", key="lps-pop")
with c2:
    st.plotly_chart(charts.by_year(centres[centres["indicator"].str.contains("建成区")], names, lang,
                                   title=t("lps.builtup", lang)), width="stretch", key="lps-area")

st.divider()
st.subheader(t("lps.cc_title", lang))
st.caption(t("lps.cc_caption", lang))
cc = ui_map.MapState("lps-central-city", default_layers=["admin_county", "lpscc_areas", "lpscc_lines", "lps_centers"],
                     default_region="lpscc_areas").load_local()
cc_map, cc_side = st.columns([5, 3], gap="medium")
with cc_map:
    ui_map.show_map(cc, height=460)
with cc_side:
    if cc.selected:
        feature_panel(cc.selected, lang)
    else:
        for e in describe.elements(["lpscc_lines", "lpscc_areas"], lang).itertuples():
            st.markdown(f"**{e.name}** · {e.role}")
            st.caption(e.description)
