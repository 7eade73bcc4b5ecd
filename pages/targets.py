"""目标指标 Targets: the whole table with filters, charts, timeline and downloads."""

import streamlit as st

from urbanmap import charts, target_tables, targets
from urbanmap.i18n import t
from urbanmap.ui_state import current_lang

lang = current_lang()
df = targets.load_targets()

st.title(t("targets.title", lang))
st.caption(t("targets.caption", lang))

regions = targets.regions(df)
names = dict(zip(regions["region_code"], regions["region_name"]))
cats = list(targets.CATEGORIES)
with st.sidebar:
    sel_regions = st.multiselect(t("targets.f_region", lang), list(names), format_func=lambda c: f"{names[c]} ({c})", key="tf_region", placeholder=t("ui.choose", lang))
    sel_cats = st.multiselect(t("targets.f_category", lang), cats, format_func=lambda c: targets.CATEGORY_EN[c] if lang == "en" else c, key="tf_cat", placeholder=t("ui.choose", lang))
    years = sorted(int(y) for y in df["target_year"].dropna().unique())
    sel_years = st.multiselect(t("targets.f_year", lang), years, key="tf_year", placeholder=t("ui.choose", lang))
    sel_kinds = st.multiselect(t("targets.f_kind", lang), ["quantitative", "qualitative"], format_func=lambda k: t("kind." + k, lang), key="tf_kind", placeholder=t("ui.choose", lang))
    text = st.text_input(t("targets.f_text", lang), key="tf_text")

view = target_tables.filter_targets(df, regions=sel_regions, categories=sel_cats, years=sel_years, kinds=sel_kinds, text=text)
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("targets.m_rows", lang), len(view))
c2.metric(t("targets.m_regions", lang), view["region_code"].nunique())
c3.metric(t("targets.m_quant", lang), int((view["kind"] == "quantitative").sum()))
c4.metric(t("targets.m_seeds", lang), view["source"].nunique())

if view.empty:
    st.info(t("targets.empty", lang))
    st.stop()

tab_table, tab_charts, tab_time, tab_district = st.tabs(
    [t("targets.tab_table", lang), t("targets.tab_charts", lang), t("targets.tab_timeline", lang), t("targets.tab_district", lang)])
with tab_table:
    table = target_tables.readable(view, lang, with_region=True, with_category=True)
    st.dataframe(table, hide_index=True, width="stretch", height=560)
    d1, d2, _ = st.columns([1, 1, 3])
    d1.download_button(t("targets.dl_csv", lang), target_tables.to_csv_bytes(table), "urbanmap-targets.csv", "text/csv", key="dl_csv")
    d2.download_button(t("targets.dl_xlsx", lang), target_tables.to_excel_bytes(table), "urbanmap-targets.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_xlsx")
with tab_charts:
    present = [c for c in cats if c in set(view["category"])]
    best = charts.richest_category(view, present)
    cat = st.selectbox(t("targets.f_category", lang), present, index=present.index(best) if best in present else 0,
                       format_func=lambda c: targets.CATEGORY_EN[c] if lang == "en" else c, key="tc_cat")
    st.plotly_chart(charts.baseline_vs_target(view[view["category"] == cat], lang, max_panels=15), width="stretch", key="tc_chart")
with tab_time:
    st.plotly_chart(charts.milestones(view, lang), width="stretch", key="tt_chart")
with tab_district:
    st.caption(t("targets.district_caption", lang))
    st.plotly_chart(charts.district_breakdown(target_tables.district_rows(view), lang), width="stretch", key="td_chart")
