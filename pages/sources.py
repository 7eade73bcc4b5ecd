"""数据来源 About & sources: datasets, licences, coordinates, what is schematic, the plans."""

import streamlit as st

from urbanmap import sources_info, targets
from urbanmap.i18n import t
from urbanmap.ui_state import current_lang

lang = current_lang()
st.title(t("sources.title", lang))
st.markdown(t("sources.intro", lang))

st.header(t("sources.plans", lang))
st.dataframe(sources_info.seeds_table(targets.load_targets(), lang), hide_index=True, width="stretch",
             column_config={"seed": t("sources.col_seed", lang), "title": t("sources.col_title", lang),
                            "issuer": t("sources.col_issuer", lang), "date": t("sources.col_date", lang),
                            "targets": st.column_config.NumberColumn(t("sources.col_targets", lang))})

st.header(t("sources.boundaries", lang))
prov = sources_info.admin_provenance()
fig = prov["figures"]["county"]
st.markdown(t(
    "sources.boundaries_text", lang, version=prov["source"]["version"], tol=prov["simplification"]["tolerance_deg"],
    before=f"{fig['vertices_before']:,}", after=f"{fig['vertices_after']:,}", haus=fig["worst_hausdorff_m"],
    area=fig["worst_area_error_pct"], built=prov["built"],
))

st.header(t("sources.coords", lang))
st.markdown(t("sources.coords_text", lang))

st.header(t("sources.layers", lang))
layers = sources_info.layers_table(lang)
st.dataframe(layers, hide_index=True, width="stretch", column_config={
    "id": "ID", "title": t("sources.col_title", lang), "group": t("sources.col_group", lang),
    "geometry": t("sources.col_geometry", lang),
    "schematic": st.column_config.CheckboxColumn(t("badge.schematic_short", lang)),
    "demonstration": st.column_config.CheckboxColumn(t("sources.col_demo", lang)),
    "source": t("field.source", lang), "description": t("sources.col_description", lang)})
st.info(t("sources.schematic_text", lang))

st.header(t("sources.licences", lang))
st.dataframe([{"component": c, "licence": lic, "use": use} for c, lic, use in sources_info.LICENCES],
             hide_index=True, width="stretch")
