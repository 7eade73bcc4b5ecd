"""数据管理 Data management (staff): upload → validate → preview → diff → publish; history, rollback, audit, users.

Viewers see only the login form.  The widgets shown for a role are a
convenience: the store re-checks the account's role on every write.
"""

import streamlit as st

from urbanmap import auth, ui_upload
from urbanmap.i18n import t
from urbanmap.store import get_store
from urbanmap.ui_auth import login_form
from urbanmap.ui_state import current_lang

lang = current_lang()
st.title(t("up.title", lang))
st.caption(t("up.caption", lang))

user = login_form(lang, key="upload-login")
if user is None:
    st.info(t("up.login_needed", lang), icon=":material/lock:")
    st.stop()

store = get_store()
sections = ["upload", "history", "audit"] + (["users"] if user.has(auth.Role.ADMIN) else [])
if st.session_state.get("up:section") not in sections:
    st.session_state["up:section"] = "upload"
section = st.segmented_control(
    t("up.sections", lang), sections, key="up:section", required=True, label_visibility="collapsed",
    format_func=lambda s: t(f"up.section_{s}", lang),
)

if section == "upload":
    ui_upload.upload_section(user, store, lang)
elif section == "history":
    ui_upload.history_section(user, store, lang)
elif section == "audit":
    ui_upload.audit_section(user, store, lang)
elif section == "users":
    ui_upload.users_section(user, lang)
