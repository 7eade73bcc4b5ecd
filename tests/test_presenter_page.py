"""The presenter page headless (AppTest): steps in the URL, navigation, figures, audience view, editing."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from urbanmap import auth, tours, ui_map
from tourdata import raw_tour, target_rows

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")
PAGE = "pages/presenter.py"


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("URBANMAP_DATA_DIR", str(tmp_path))
    maps = []

    def fake(m, **kwargs):  # AppTest cannot run st_folium
        maps.append((m, kwargs))
        return {}

    monkeypatch.setattr(ui_map, "render_map", fake)
    return maps


def _open(lang="zh", **qp) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if lang != "zh":
        at.query_params["lang"] = lang
    for k, v in qp.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _qp(at, key):
    v = at.query_params.get(key)
    return v[0] if isinstance(v, list) else v


def _html(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def _title(at) -> str:
    return next(m.value for m in at.markdown if 'class="um-pres-title"' in m.value)


def test_deep_link_opens_the_step_with_its_title_figures_and_progress(_env):
    at = _open(tour="liupanshui-layout", step="3")
    raw, known = raw_tour("liupanshui-layout"), target_rows()
    stop = raw["stops"][2]
    assert stop["title"]["zh"] in _title(at)
    page = _html(at)
    assert f">3 / {len(raw['stops'])}<" in page
    for fid in stop["figures"]:
        assert f'data-target="{fid}"' in page and known[fid]["target_value"] in page
    assert len(at.get("plotly_chart")) == 1  # the stop's chart
    assert any(e.label == "讲稿" for e in at.expander)


def test_map_is_framed_to_the_stop(_env):
    _open(tour="jilin-changchun-border", step="4")
    m, kwargs = _env[-1]
    s, w, n, e = tours.get_tour("jilin-changchun-border").stops[3].bounds()
    lat, lng = m.location
    assert s < lat < n and w < lng < e
    assert m.options["zoom"] >= 6  # not the whole country
    assert kwargs["key"].startswith("pres_map:jilin-changchun-border:4")


def test_buttons_move_through_the_tour_and_keep_the_url():
    raw = raw_tour("liupanshui-layout")
    n = len(raw["stops"])
    at = _open(tour="liupanshui-layout", step="1")
    assert at.button(key="pres_prev").disabled and at.button(key="pres_first").disabled
    at.button(key="pres_next").click().run()
    assert _qp(at, "step") == "2" and raw["stops"][1]["title"]["zh"] in _title(at)
    at.button(key="pres_last").click().run()
    assert _qp(at, "step") == str(n) and raw["stops"][-1]["title"]["zh"] in _title(at)
    assert at.button(key="pres_next").disabled and at.button(key="pres_last").disabled
    at.button(key="pres_prev").click().run()
    assert _qp(at, "step") == str(n - 1)
    at.button(key="pres_first").click().run()
    assert _qp(at, "step") == "1" and raw["stops"][0]["title"]["zh"] in _title(at)


def test_out_of_range_step_is_clamped_and_rewritten():
    at = _open(tour="jilin-changchun-border", step="99")
    assert _qp(at, "step") == "4"
    assert raw_tour("jilin-changchun-border")["stops"][3]["title"]["zh"] in _title(at)


def test_audience_view_hides_the_notes():
    at = _open(tour="yunnan-city-system", step="2")
    assert any(e.label == "讲稿" for e in at.expander)
    at.toggle(key="pres_audience").set_value(True).run()
    assert not any(e.label == "讲稿" for e in at.expander)
    assert _qp(at, "step") == "2"


def test_sidebar_is_hidden_in_presentation_unless_asked():
    at = _open(tour="yunnan-city-system", step="1")
    assert '[data-testid="stSidebar"]' in _html(at)
    at.toggle(key="pres_show_sidebar").set_value(True).run()
    assert '[data-testid="stSidebar"]' not in _html(at)


def test_schematic_label_is_on_screen():
    at = _open(tour="liupanshui-layout", step="2")
    badge = next(m.value for m in at.markdown if 'class="um-schematic"' in m.value)
    assert "示意" in badge and "北盘江" in badge


def test_english():
    at = _open(lang="en", tour="liupanshui-layout", step="3")
    assert raw_tour("liupanshui-layout")["stops"][2]["title"]["en"] in _title(at)
    assert "Target year 2025" in _html(at)
    assert at.button(key="pres_next").label == "Next →"


def test_list_starts_a_tour_and_exit_returns():
    at = _open()
    starts = [b for b in at.button if (b.key or "").startswith("start:")]
    assert {b.key for b in starts} >= {"start:yunnan-city-system", "start:liupanshui-layout", "start:jilin-changchun-border"}
    at.button(key="start:jilin-changchun-border").click().run()
    assert _qp(at, "tour") == "jilin-changchun-border" and _qp(at, "step") == "1"
    at.button(key="pres_exit").click().run()
    assert _qp(at, "tour") is None
    assert any(b.key == "start:liupanshui-layout" for b in at.button)


def test_unknown_tour_explains_and_lists_the_tours():
    at = _open(tour="no-such-tour")
    assert "no-such-tour" in at.warning[0].value
    assert any(b.key == "start:yunnan-city-system" for b in at.button)


def test_staff_edit_rejects_a_bad_tour_and_keeps_the_files(tmp_path):
    user = auth.add_user("editor", "correct horse battery", "staff", actor=auth.local_operator(), data_dir=tmp_path)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["user"] = user
    at.run()
    at.switch_page(PAGE).run()
    at.selectbox(key="pres_edit_pick").set_value("jilin-changchun-border").run()
    area = next(a for a in at.text_area if (a.key or "").startswith("pres_edit_text"))
    area.set_value(area.value.replace("004-011", "004-999"))  # inside a form: sent with the submit
    at.button[[b.label for b in at.button].index("校验并保存")].click().run()
    assert at.error and "第 3 站" in at.error[0].value and "004-999" in at.error[0].value
    assert not tours.staff_path(tmp_path).exists()
    # a valid edit is saved and shown
    area = next(a for a in at.text_area if (a.key or "").startswith("pres_edit_text"))
    area.set_value(area.value.replace("004-999", "004-011").replace("吉林：长春", "吉林省：长春"))
    at.button[[b.label for b in at.button].index("校验并保存")].click().run()
    assert at.success and tours.staff_path(tmp_path).exists()
    assert tours.load_tours(tmp_path)["jilin-changchun-border"].title("zh").startswith("吉林省：长春")
