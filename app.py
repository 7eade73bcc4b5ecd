"""urbanmap entry point: `streamlit run app.py` (or `make run`)."""

import streamlit as st

from urbanmap.i18n import t
from urbanmap.ui_state import keep_lang_in_url, language_switch

st.set_page_config(page_title="城市规划一张图 urbanmap", page_icon="🗺️", layout="wide")

lang = keep_lang_in_url()
pages = [
    st.Page("pages/overview.py", title=t("nav.overview", lang), icon=":material/map:", url_path="overview", default=True),
    st.Page("pages/clusters.py", title=t("nav.clusters", lang), icon=":material/groups:", url_path="clusters"),
    st.Page("pages/control_zones.py", title=t("nav.control_zones", lang), icon=":material/policy:", url_path="control-zones"),
    st.Page("pages/liupanshui.py", title=t("nav.liupanshui", lang), icon=":material/hub:", url_path="liupanshui"),
    st.Page("pages/targets.py", title=t("nav.targets", lang), icon=":material/table_chart:", url_path="targets"),
    st.Page("pages/presenter.py", title=t("nav.presenter", lang), icon=":material/slideshow:", url_path="presenter"),
    st.Page("pages/sources.py", title=t("nav.sources", lang), icon=":material/info:", url_path="sources"),
    st.Page("pages/upload.py", title=t("nav.upload", lang), icon=":material/upload_file:", url_path="upload"),
]
nav = st.navigation(pages)
with st.sidebar:
    language_switch()
nav.run()
