"""The side panel: what a planner reads about the selected feature (Streamlit glue)."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from .describe import describe
from .i18n import t


def schematic_badge(lang: str) -> None:
    st.markdown(
        f'<span style="background:#fff3cd;color:#7a5a00;border:1px solid #e6c200;border-radius:4px;'
        f'padding:1px 6px;font-size:0.85em">{html.escape(t("badge.schematic", lang))}</span>',
        unsafe_allow_html=True,
    )


def feature_panel(fid: str | None, lang: str) -> None:
    """Name, kind, facts, description, then the feature's targets and chart."""
    if not fid:
        st.info(t("panel.empty", lang))
        return
    d = describe(fid, lang)
    if d is None:
        st.warning(t("panel.unknown", lang, fid=fid))
        return
    st.subheader(d.name)
    st.caption(d.kind)
    if d.schematic:
        schematic_badge(lang)
    if d.facts:
        st.markdown("\n".join(f"- **{html.escape(k)}**: {html.escape(v)}" for k, v in d.facts))
    if d.text:
        st.markdown(f"> {html.escape(d.text)}")
    if d.source:
        st.caption(f"{t('field.source', lang)}: {d.source}")
    targets_section(fid, lang)


def targets_section(fid: str, lang: str, *, key: str = "panel") -> None:
    """The feature's targets: quantitative chart, table with sources, goals in words."""
    from . import charts, targets
    from .target_tables import readable

    own = targets.targets_for(fid)
    nested = targets.targets_for(fid, include_children=True)
    include = False
    if len(nested) > len(own):
        include = st.toggle(t("panel.include_children", lang, n=len(nested) - len(own)), key=f"{key}:children:{fid}")
    df = nested if include else own
    st.markdown(f"#### {t('panel.targets', lang)} ({len(df)})")
    if df.empty:
        parents = [p for p in targets.ancestors(fid) if not targets.targets_for(p).empty]
        st.info(t("panel.no_targets", lang))
        if parents:
            from .describe import describe as _d

            p = _d(parents[0], lang)
            if p is not None and st.button(t("panel.see_parent", lang, name=p.name), key=f"{key}:parent:{fid}"):
                st.session_state["_select_request"] = parents[0]
                st.rerun()
        return
    quant = df[df["kind"] == "quantitative"]
    qual = df[df["kind"] == "qualitative"]
    if not quant.empty:
        st.plotly_chart(charts.baseline_vs_target(quant, lang), width="stretch", key=f"{key}:chart:{fid}:{include}",
                        config={"displaylogo": False})
        st.dataframe(readable(quant, lang, with_region=include), hide_index=True, width="stretch")
    if not qual.empty:
        st.markdown(f"**{t('panel.goals_in_words', lang)}**")
        for r in qual.itertuples():
            year = f"{int(r.target_year)}: " if not pd.isna(r.target_year) else ""
            st.markdown(f"- {year}{html.escape(str(r.target_value))}  \n  "
                        f"<small>{html.escape(r.source.split('_')[0])} · {html.escape(r.source_section)}</small>",
                        unsafe_allow_html=True)
