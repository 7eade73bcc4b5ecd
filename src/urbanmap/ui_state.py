"""Session and URL state shared by the pages (thin Streamlit glue).

The language lives in the URL (``?lang=en``) and in the session, so it
survives moving between pages and a link opens the same view.
"""

from __future__ import annotations

import streamlit as st

from .i18n import DEFAULT_LANG, LANGS, t


def current_lang() -> str:
    lang = st.query_params.get("lang") or st.session_state.get("lang") or DEFAULT_LANG
    return lang if lang in LANGS else DEFAULT_LANG


def keep_lang_in_url() -> str:
    """Re-assert the language in session and URL (page switches drop query params)."""
    lang = current_lang()
    st.session_state["lang"] = lang
    if lang != DEFAULT_LANG and st.query_params.get("lang") != lang:
        st.query_params["lang"] = lang
    return lang


def language_switch() -> str:
    """A 中文/English toggle bound to the ``lang`` query parameter."""
    lang = keep_lang_in_url()
    choice = st.segmented_control(
        t("lang.label", lang), options=list(LANGS), format_func={"zh": "中文", "en": "English"}.get,
        default=lang, key="lang_switch", label_visibility="collapsed",
    )
    if choice and choice != lang:
        st.session_state["lang"] = choice
        if choice == DEFAULT_LANG:
            st.query_params.pop("lang", None)
        else:
            st.query_params["lang"] = choice
        st.rerun()
    return lang
