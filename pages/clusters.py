"""城市群 City clusters: the Yunnan, Jilin and Guizhou city systems, members and targets."""

import streamlit as st

from urbanmap import charts, clusters, ui_map
from urbanmap.i18n import t
from urbanmap.layers import get_spec
from urbanmap.target_tables import readable
from urbanmap.ui_panel import feature_panel
from urbanmap.ui_state import current_lang

lang = current_lang()
st.title(t("clusters.title", lang))
st.caption(t("clusters.caption", lang))

system = st.segmented_control(t("clusters.system", lang), list(clusters.SYSTEMS), default="yunnan",
                              format_func=lambda s: t("clusters.sys_" + s, lang), key="cluster_system") or "yunnan"
layer_ids, region = clusters.SYSTEMS[system]
state = ui_map.MapState(f"clusters-{system}", default_layers=["admin_context", "admin_prefecture", "admin_province", *layer_ids],
                        default_region=region).load_local()

col_map, col_side = st.columns([5, 3], gap="medium")
with col_map:
    ui_map.show_map(state, height=560)
with col_side:
    feature_panel(state.selected, lang)

for layer_id in layer_ids:
    spec = get_spec(layer_id)
    table = clusters.members_table(layer_id, lang)
    if table.empty or (table["n_members"] == 0).all():
        continue
    st.subheader(spec.title(lang))
    st.dataframe(table.drop(columns=["id"]), hide_index=True, width="stretch", column_config={
        "name": t("clusters.col_name", lang), "role": t("field.role", lang), "members": t("field.members", lang),
        "n_members": st.column_config.NumberColumn(t("clusters.col_n", lang)),
        "area_km2": st.column_config.NumberColumn(t("field.area", lang) + " (km²)", format="%d"),
        "basis": t("field.membership_basis", lang),
        "assumed": st.column_config.CheckboxColumn(t("clusters.col_assumed", lang)),
        "schematic": st.column_config.CheckboxColumn(t("badge.schematic_short", lang)),
        "targets": st.column_config.NumberColumn(t("panel.targets", lang)),
    })

st.subheader(t("clusters.targets", lang))
df = clusters.system_targets(system)
if df.empty:
    st.info(t("clusters.no_targets", lang))
else:
    quant = df[df["kind"] == "quantitative"]
    if not quant.empty:
        st.plotly_chart(charts.baseline_vs_target(quant, lang), width="stretch", key=f"cl-chart-{system}")
    st.dataframe(readable(df, lang, with_region=True), hide_index=True, width="stretch")
