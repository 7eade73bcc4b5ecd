"""演示模式 Presenter: walk a meeting through a tour, one stop per step (?tour=…&step=…)."""

import streamlit as st

from urbanmap import tours, ui_presenter as up
from urbanmap.i18n import t
from urbanmap.ui_state import current_lang

lang = current_lang()
try:
    all_tours = tours.load_tours()
except tours.TourError as exc:
    st.error(t("pres.load_error", lang, msg=exc.message(lang)))
    st.stop()

tour_id = st.query_params.get("tour")
tour = all_tours.get(tour_id) if tour_id else None

if tour is None:
    up.projector_style(hide_sidebar=False)
    st.title(t("pres.title", lang))
    st.caption(t("pres.caption", lang))
    if tour_id:
        st.warning(t("pres.unknown_tour", lang, id=tour_id))
    up.tour_list(all_tours, lang)
    up.editor(all_tours, lang)
    st.stop()

step = up.current_step(tour)
up.keep_in_url(tour, step)
stop = tour.stop(step)

# widgets read before drawing: the controls themselves sit at the bottom, out of the audience's way
audience = bool(st.session_state.get("pres_audience", False))
up.projector_style(hide_sidebar=not st.session_state.get("pres_show_sidebar", False))

up.nav_bar(tour, step, lang)
up.title_block(tour, stop, lang)
up.stop_map(tour, step, stop, lang)
up.stop_body(stop, lang, audience=audience, key=f"{tour.id}:{step}")

st.divider()
bottom = st.columns([4, 2, 1.6, 1.6], vertical_alignment="center")
bottom[0].markdown(up.tour_label_html(tour, lang), unsafe_allow_html=True)
bottom[0].caption(t("pres.keys_hint", lang))
bottom[1].toggle(t("pres.audience", lang), key="pres_audience")
bottom[2].toggle(t("pres.show_sidebar", lang), key="pres_show_sidebar")
bottom[3].button(t("pres.exit", lang), key="pres_exit", on_click=up.go_to, args=(None,), width="stretch")
up.download_button(tour, lang, key=f"dl_run:{tour.id}")
up.keyboard()
