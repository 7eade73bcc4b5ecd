"""The side panel: what a planner reads about the selected feature (Streamlit glue)."""

from __future__ import annotations

import html

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


def targets_section(fid: str, lang: str) -> None:
    """Targets table and chart for the feature (filled in by the targets module)."""
    return None
