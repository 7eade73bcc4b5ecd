"""Session and URL state shared by the pages (thin Streamlit glue).

The language lives in the URL (``?lang=en``) so a link opens the same view.
"""

from __future__ import annotations

import streamlit as st

from .i18n import DEFAULT_LANG, LANGS


def current_lang() -> str:
    lang = st.query_params.get("lang", DEFAULT_LANG)
    return lang if lang in LANGS else DEFAULT_LANG


def language_switch() -> str:
    """A 中文/English toggle bound to the ``lang`` query parameter."""
    lang = current_lang()
    choice = st.segmented_control(
        "语言 Language", options=list(LANGS), format_func={"zh": "中文", "en": "English"}.get,
        default=lang, key="lang_switch", label_visibility="collapsed",
    )
    if choice and choice != lang:
        if choice == DEFAULT_LANG:
            del st.query_params["lang"]
        else:
            st.query_params["lang"] = choice
        st.rerun()
    return lang
