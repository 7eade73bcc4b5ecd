"""Every page runs headless (AppTest) in both languages; a simulated map click fills the panel."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from urbanmap import targets, ui_map

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGES = ["pages/overview.py", "pages/clusters.py", "pages/control_zones.py", "pages/liupanshui.py",
         "pages/targets.py", "pages/sources.py"]


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("URBANMAP_DATA_DIR", str(tmp_path))


def _run(page: str | None = None, lang: str = "zh", **qp) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    if lang != "zh":
        at.query_params["lang"] = lang
    for k, v in qp.items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page).run()
    return at


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_runs(page, lang):
    at = _run(page, lang)
    assert not at.exception, at.exception
    assert at.title and at.title[0].value


def _click(monkeypatch, fid):
    def fake(m, **kwargs):
        return {"last_active_drawing": {"type": "Feature", "properties": {"id": fid}},
                "last_object_clicked": {"lat": 26.6, "lng": 104.8}, "center": {"lat": 26.6, "lng": 104.8}, "zoom": 9}
    monkeypatch.setattr(ui_map, "render_map", fake)


def test_clicking_a_county_shows_its_name_and_targets(monkeypatch):
    _click(monkeypatch, "520201")
    at = _run()
    assert not at.exception
    assert at.subheader[0].value == "钟山区"
    n = len(targets.targets_for("520201"))
    assert any(f"({n})" in md.value for md in at.markdown), "targets heading with the row count"
    assert at.query_params["sel"] in ("520201", ["520201"])


def test_deep_link_selects_and_sets_layers():
    at = _run(sel="520200", layers="admin_context,admin_county")
    assert not at.exception
    assert at.subheader[0].value == "六盘水市"
    assert at.checkbox(key="lyr:overview:admin_county").value is True
    assert at.checkbox(key="lyr:overview:admin_prefecture").value is False


def _layers_in_url(at) -> list[str]:
    v = at.query_params["layers"]
    return (v[0] if isinstance(v, list) else v).split(",")


def test_ticking_a_layer_checkbox_turns_the_layer_on_and_into_the_url():
    at = _run()
    assert at.checkbox(key="lyr:overview:admin_county").value is False
    at.checkbox(key="lyr:overview:admin_county").check().run()
    assert not at.exception
    assert at.checkbox(key="lyr:overview:admin_county").value is True
    assert "admin_county" in _layers_in_url(at)
    at.checkbox(key="lyr:overview:admin_county").uncheck().run()
    assert "admin_county" not in _layers_in_url(at)


def test_layers_survive_a_visit_to_another_page():
    at = _run()
    at.checkbox(key="lyr:overview:admin_county").check().run()
    at.switch_page("pages/targets.py").run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    assert at.checkbox(key="lyr:overview:admin_province").value is True
    assert at.checkbox(key="lyr:overview:admin_county").value is True
    assert {"admin_province", "admin_prefecture", "admin_county"} <= set(_layers_in_url(at))


def test_selection_and_view_survive_a_visit_to_another_page(monkeypatch):
    _click(monkeypatch, "520201")
    at = _run()
    assert at.subheader[0].value == "钟山区"
    at.switch_page("pages/targets.py").run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    assert at.subheader[0].value == "钟山区"
    assert at.session_state["map:overview:view"].zoom == 9  # where the (simulated) user left the map


def test_unknown_deep_link_feature_is_ignored_not_fatal():
    at = _run(sel="999999")
    assert not at.exception
    assert at.info[0].value.startswith("点击地图")


def test_targets_page_filters_and_offers_downloads():
    at = _run("pages/targets.py")
    total = int(at.metric[0].value)
    assert total == len(targets.load_targets())
    at.multiselect(key="tf_region").select("520201").run()
    assert int(at.metric[0].value) == len(targets.targets_for("520201"))
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["下载 CSV", "下载 Excel"]


def test_targets_page_empty_filter_explains_what_to_do():
    at = _run("pages/targets.py")
    at.text_input(key="tf_text").input("zzzz-no-such-thing").run()
    assert not at.exception
    assert "没有符合" in at.info[0].value
