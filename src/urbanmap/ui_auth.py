"""Staff login in the app (thin Streamlit glue over :mod:`urbanmap.auth`).

The logged-in account lives in ``st.session_state["user"]`` as an
:class:`urbanmap.auth.User`; viewers never log in.  Hiding a button is not
the protection: the store and the tour editor re-check the role of the
account in the database on every write.
"""

from __future__ import annotations

import streamlit as st

from . import auth
from .i18n import t

SESSION_KEY = "user"


def current_user() -> auth.User | None:
    user = st.session_state.get(SESSION_KEY)
    return user if isinstance(user, auth.User) else None


def login_form(lang: str, *, key: str = "login") -> auth.User | None:
    """A login form when nobody is logged in, else a 'logged in as … / log out' line."""
    user = current_user()
    if user is not None:
        c1, c2, c3 = st.columns([4, 1.4, 1])
        c1.caption(t("auth.logged_in", lang, name=user.name, role=auth.Role(user.role).label(lang)))
        with c2.popover(t("auth.change_pw", lang)):
            own_password_form(user, lang, key=f"{key}:pw")
        if c3.button(t("auth.logout", lang), key=f"{key}:logout"):
            st.session_state.pop(SESSION_KEY, None)
            st.rerun()
        return user
    with st.form(key=f"{key}:form"):
        st.markdown(f"**{t('auth.title', lang)}**")
        name = st.text_input(t("auth.name", lang), key=f"{key}:name")
        password = st.text_input(t("auth.password", lang), type="password", key=f"{key}:password")
        submitted = st.form_submit_button(t("auth.submit", lang), type="primary")
    if submitted:
        try:
            st.session_state[SESSION_KEY] = auth.authenticate(name, password)
        except auth.AuthError as exc:
            st.error(exc.message(lang))
            return None
        st.rerun()
    st.caption(t("auth.hint", lang))
    return None


def own_password_form(user: auth.User, lang: str, *, key: str) -> None:
    """Change one's own password: the old one is checked like a login."""
    with st.form(key=key, clear_on_submit=True):
        old = st.text_input(t("auth.old_pw", lang), type="password", key=f"{key}:old")
        new = st.text_input(t("auth.new_pw", lang), type="password", key=f"{key}:new", help=t("up.pw_help", lang))
        again = st.text_input(t("auth.new_pw_again", lang), type="password", key=f"{key}:again")
        submitted = st.form_submit_button(t("auth.change_pw", lang), type="primary")
    if not submitted:
        return
    if new != again:
        st.error(t("auth.pw_mismatch", lang))
        return
    try:
        auth.users().change_own_password(user, old, new)
    except auth.AuthError as exc:
        st.error(exc.message(lang))
        return
    st.success(t("auth.pw_changed", lang))
