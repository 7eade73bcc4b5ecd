"""urbanmap entry point: `streamlit run app.py` (or `make run`)."""

import streamlit as st

from urbanmap.i18n import t
from urbanmap.ui_state import keep_lang_in_url, language_switch

st.set_page_config(page_title="城市规划一张图 urbanmap", page_icon="🗺️", layout="wide")

lang = keep_lang_in_url()
pages = [
    st.Page("pages/overview.py", title=t("nav.overview", lang), icon="🗺️", url_path="overview", default=True),
]
nav = st.navigation(pages)
with st.sidebar:
    language_switch()
nav.run()
