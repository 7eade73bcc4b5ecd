"""urbanmap entry point: `streamlit run app.py` (or `make run`)."""

import streamlit as st

from urbanmap.i18n import t
from urbanmap.ui_state import current_lang, language_switch

st.set_page_config(page_title="城市规划一张图 urbanmap", page_icon="🗺️", layout="wide")

lang = current_lang()
pages = [
    st.Page("pages/home.py", title=t("nav.home", lang), icon="🗺️", url_path="home", default=True),
]
nav = st.navigation(pages)
with st.sidebar:
    language_switch()
nav.run()
