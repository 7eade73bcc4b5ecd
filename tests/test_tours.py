"""Tours: the shipped tours are sound, the validator names tour/stop/field, saving is staff-only and atomic."""

from __future__ import annotations

import copy
import csv
import re
from pathlib import Path

import pytest
import yaml

from urbanmap import auth, tours

REPO = Path(__file__).resolve().parents[1]
TOURS_YAML = REPO / "geodata" / "tours.yaml"


def _csv_targets() -> dict[str, dict]:
    with open(REPO / "geodata" / "targets.csv", encoding="utf-8", newline="") as fh:
        return {r["target_id"]: r for r in csv.DictReader(fh)}


def _layer_ids() -> set[str]:
    return {lay["id"] for lay in yaml.safe_load((REPO / "geodata" / "layers.yaml").read_text("utf-8"))["layers"]}


def _raw() -> list[dict]:
    return yaml.safe_load(TOURS_YAML.read_text("utf-8"))["tours"]


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("URBANMAP_DATA_DIR", str(tmp_path))
    return tmp_path


# --------------------------------------------------------------------------- the shipped tours

def test_three_tours_ship_and_load():
    loaded = tours.load_tours()
    assert {"yunnan-city-system", "liupanshui-layout", "jilin-changchun-border"} <= set(loaded)
    for raw in _raw():
        assert len(loaded[raw["id"]].stops) == len(raw["stops"]) > 0


def test_every_figure_is_a_target_id_never_a_number():
    known = _csv_targets()
    for raw in _raw():
        for n, stop in enumerate(raw["stops"], start=1):
            figs = stop["figures"]
            assert 3 <= len(figs) <= 5, (raw["id"], n)
            for f in figs + (stop.get("chart") or {}).get("targets", []):
                assert isinstance(f, str) and re.fullmatch(r"\d{3}-\d{3}", f), (raw["id"], n, f)
                assert f in known, (raw["id"], n, f)


def test_layers_exist_and_every_stop_has_zh_and_en():
    layers = _layer_ids()
    for raw in _raw():
        assert raw["title"]["zh"] and raw["title"]["en"]
        for stop in raw["stops"]:
            assert set(stop["layers"]) <= layers
            assert stop["title"]["zh"] and stop["title"]["en"]
            assert stop["notes"]["zh"] and stop["notes"]["en"]


def test_numbers_in_notes_come_from_the_stops_own_targets():
    """Notes paraphrase the plan: a number there must be in one of the stop's cards (value, year or quote)."""
    known = _csv_targets()
    for raw in _raw():
        for stop in raw["stops"]:
            ids = stop["figures"] + (stop.get("chart") or {}).get("targets", [])
            allowed = " ".join(" ".join((known[i]["target_value"], known[i]["source_quote"], known[i]["target_year"],
                                         known[i]["baseline_year"], known[i]["source"][:3])) for i in ids)
            for lang in ("zh", "en"):
                for num in re.findall(r"\d+(?:\.\d+)?", stop["notes"][lang] + stop["title"][lang]):
                    assert re.search(rf"(?<![\d.]){re.escape(num)}(?![\d])", allowed), (raw["id"], stop["title"]["zh"], num)


def test_liupanshui_tour_has_a_stop_per_element_group_and_the_central_city():
    stops = next(r for r in _raw() if r["id"] == "liupanshui-layout")["stops"]
    highlighted = [set(s.get("highlight", [])) for s in stops]
    assert {"lps-belt"} in highlighted
    assert {"lps-center-main", "lps-center-liuzhi", "lps-center-panzhou"} in highlighted
    assert {"lps-axis-liuzhi", "lps-axis-panzhou"} in highlighted
    assert any("lps_zones" in s["layers"] and "lps_belt" not in s["layers"] for s in stops)
    assert any("lpscc_areas" in s["layers"] for s in stops)


def test_yunnan_tour_covers_circle_cluster_belt_and_control_lines():
    stops = next(r for r in _raw() if r["id"] == "yunnan-city-system")["stops"]
    framed = {f for s in stops for f in s.get("frame", [])}
    assert {"yn-kunming-metro", "yn-dianzhong", "yn-border-belt"} <= framed
    assert any("control_zones" in s["layers"] for s in stops)


def test_stop_bounds_contain_the_framed_features():
    from urbanmap import features

    tr = tours.get_tour("jilin-changchun-border")
    stop = tr.stops[3]
    s, w, n, e = stop.bounds()
    for fid in stop.frame:
        minx, miny, maxx, maxy = features.lookup(fid)["bounds"]
        assert s < miny and w < minx and n > maxy and e > maxx


def test_figures_show_the_plans_own_value_text_and_source():
    known = _csv_targets()
    figs = tours.figures(["003-044", "003-026"], "zh")
    assert [f.value for f in figs] == [known["003-044"]["target_value"], known["003-026"]["target_value"]]
    assert figs[0].unit == known["003-044"]["unit"] and figs[0].year == int(known["003-044"]["target_year"])
    assert figs[0].source_label.startswith("003 · ") and known["003-044"]["source_section"] in figs[0].source_label
    assert figs[1].kind == "qualitative" and figs[1].year == 2035


def test_schematic_label_names_the_schematic_layers_only():
    lps = tours.get_tour("liupanshui-layout")
    belt = lps.stops[1]
    assert "示意" in tours.schematic_label(belt, "zh") and "北盘江" in tours.schematic_label(belt, "zh")
    assert "schematic" in tours.schematic_label(belt, "en").lower()
    first = tours.get_tour("jilin-changchun-border").stops[0]  # jl_city_system is partly schematic
    assert "部分示意" in tours.schematic_label(first, "zh")
    plain = tours.Stop({"zh": "x", "en": "x"}, ("520200",), None, ("admin_county",), (), (), None, {})
    assert tours.schematic_label(plain, "zh") == ""


def test_compare_chart_labels_bars_with_the_plans_text():
    stop = tours.get_tour("yunnan-city-system").stops[-1]
    fig = tours.stop_chart(stop, "zh")
    known = _csv_targets()
    assert list(fig.data[0].text) == [known[i]["target_value"] for i in stop.chart.targets]


@pytest.mark.parametrize("raw, expected", [("3", 3), ("0", 1), ("99", 6), ("abc", 1), (None, 1), (" 2 ", 2)])
def test_step_from_url_is_clamped(raw, expected):
    assert tours.clamp_step(raw, 6) == expected


# --------------------------------------------------------------------------- validation

def _tour() -> dict:
    return copy.deepcopy(next(r for r in _raw() if r["id"] == "liupanshui-layout"))


def _problems(raw) -> list[tours.Problem]:
    return tours.validate([raw])


def test_the_shipped_tour_used_below_is_valid():
    assert _problems(_tour()) == []


def test_unknown_target_id_names_tour_stop_and_field():
    raw = _tour()
    raw["stops"][1]["figures"][0] = "003-999"
    probs = _problems(raw)
    assert len(probs) == 1
    p = probs[0]
    assert (p.field, p.stop) == ("figures", 2)
    zh, en = p.message("zh"), p.message("en")
    assert "liupanshui-layout" in zh and "第 2 站" in zh and "一带：北盘江生态保护带" in zh and "figures" in zh and "003-999" in zh
    assert "stop 2" in en and "003-999" in en


def test_typed_in_number_is_refused():
    raw = _tour()
    raw["stops"][0]["figures"][0] = 200
    p = _problems(raw)
    assert [x.field for x in p] == ["figures"] and "number" in p[0].message("en")


@pytest.mark.parametrize("bad_id", ["Liupanshui", "a", "has space", "中文", 42, None])
def test_bad_tour_ids(bad_id):
    raw = _tour()
    raw["id"] = bad_id
    assert "id" in [p.field for p in _problems(raw)]


@pytest.mark.parametrize("stops", [[], None, "none"])
def test_empty_stops(stops):
    raw = _tour()
    raw["stops"] = stops
    probs = _problems(raw)
    assert [p.field for p in probs] == ["stops"]


@pytest.mark.parametrize("mutate, field", [
    (lambda s: s.update(figures=["003-001", "003-043"]), "figures"),  # too few
    (lambda s: s.update(figures=["003-001"] * 3), "figures"),  # repeated
    (lambda s: s.update(layers=["no_such_layer"]), "layers"),
    (lambda s: s.update(layers=[]), "layers"),
    (lambda s: s.update(frame=["no-such-feature"]), "frame"),
    (lambda s: s.pop("frame"), "frame"),
    (lambda s: s.update(bbox=[27, 104, 25, 106]), "bbox"),  # south > north
    (lambda s: s.update(highlight=["nope"]), "highlight"),
    (lambda s: s.update(chart={"type": "pie", "targets": ["003-001"]}), "chart.type"),
    (lambda s: s.update(chart={"type": "by_year", "targets": ["003-001", "003-006"]}), "chart.targets"),  # mixed units
    (lambda s: s.update(title={"zh": "只有中文"}), "title"),
    (lambda s: s.update(figure=["003-001"]), "figure"),  # typo: unknown key
    (lambda s: s["notes"].update(zh="城镇人口达到250万人。"), "notes.zh"),  # a number no target states
])
def test_stop_field_problems(mutate, field):
    raw = _tour()
    mutate(raw["stops"][0])
    probs = _problems(raw)
    assert field in [p.field for p in probs], [str(p) for p in probs]
    assert all(p.stop == 1 for p in probs if p.field == field)


def test_bbox_alone_frames_a_stop():
    raw = _tour()
    raw["stops"][0].pop("frame")
    raw["stops"][0]["bbox"] = [25.2, 104.2, 27.0, 105.9]
    assert _problems(raw) == []


def test_duplicate_ids_in_one_file():
    assert "id" in [p.field for p in tours.validate([_tour(), _tour()])]


def test_validation_error_message_is_for_people():
    raw = _tour()
    raw["stops"][2]["figures"] = ["003-044"]
    raw["stops"][4]["layers"] = ["nope"]
    err = tours.TourValidationError(_problems(raw))
    assert "第 3 站" in err.message("zh") and "另有 1 处问题" in err.message("zh")
    assert "stop 3" in err.message("en") and "1 more" in err.message("en")


def test_invalid_repository_file_fails_loudly(tmp_path, monkeypatch):
    geo = tmp_path / "geo"
    geo.mkdir()
    for name in ("layers.yaml", "targets.csv"):
        (geo / name).write_bytes((REPO / "geodata" / name).read_bytes())
    for d in ("admin", "layers"):
        (geo / d).symlink_to(REPO / "geodata" / d)
    raw = _tour()
    raw["stops"][0]["figures"] = ["999-999", "003-001", "003-043"]
    (geo / "tours.yaml").write_text(yaml.safe_dump({"tours": [raw]}, allow_unicode=True), "utf-8")
    monkeypatch.setenv("URBANMAP_GEODATA_DIR", str(geo))
    with pytest.raises(tours.TourValidationError) as exc:
        tours.load_tours()
    assert "999-999" in exc.value.message("zh")


# --------------------------------------------------------------------------- saving

@pytest.fixture
def staff(_data_dir):
    return auth.add_user("editor", "correct horse battery", "staff", actor=auth.local_operator(), data_dir=_data_dir)


def _new_tour_yaml(tour_id="demo-tour", title="演示导览") -> str:
    raw = _tour()
    raw["id"] = tour_id
    raw["title"] = {"zh": title, "en": "Demo tour"}
    raw["stops"] = raw["stops"][:2]
    return yaml.safe_dump({"tours": [raw]}, allow_unicode=True)


def test_staff_can_add_a_tour(staff, _data_dir):
    saved = tours.save_tours(_new_tour_yaml(), staff, data_dir=_data_dir)
    assert [t.id for t in saved] == ["demo-tour"]
    loaded = tours.load_tours(_data_dir)
    assert loaded["demo-tour"].origin == "staff" and len(loaded["demo-tour"].stops) == 2
    assert "liupanshui-layout" in loaded  # repository tours are still there


def test_staff_version_replaces_a_repository_tour(staff, _data_dir):
    tours.save_tours(_new_tour_yaml("liupanshui-layout", "改过的六盘水导览"), staff, data_dir=_data_dir)
    tr = tours.load_tours(_data_dir)["liupanshui-layout"]
    assert tr.title("zh") == "改过的六盘水导览" and len(tr.stops) == 2
    assert "一带三心" in TOURS_YAML.read_text("utf-8")  # the repository file is never written


@pytest.mark.parametrize("actor", [None, auth.VIEWER, auth.User("editor", auth.Role.STAFF, via="local"),
                                   auth.User("ghost", auth.Role.ADMIN)])
def test_only_real_staff_accounts_may_save(actor, staff, _data_dir):
    with pytest.raises(tours.TourPermissionError):
        tours.save_tours(_new_tour_yaml(), actor, data_dir=_data_dir)
    assert not tours.staff_path(_data_dir).exists()


def test_removed_account_loses_the_right_at_once(staff, _data_dir):
    auth.remove_user("editor", actor=auth.local_operator(), data_dir=_data_dir)
    with pytest.raises(tours.TourPermissionError):
        tours.save_tours(_new_tour_yaml(), staff, data_dir=_data_dir)


@pytest.mark.parametrize("text", [
    "tours: [unclosed",  # not YAML
    _new_tour_yaml().replace("003-066", "003-999"),  # unknown target in stop 2
    "tours: []",
])
def test_invalid_input_leaves_existing_tours_untouched(text, staff, _data_dir):
    tours.save_tours(_new_tour_yaml("kept-tour"), staff, data_dir=_data_dir)
    before = tours.staff_path(_data_dir).read_bytes()
    with pytest.raises(tours.TourError) as exc:
        tours.save_tours(text, staff, data_dir=_data_dir)
    assert exc.value.message("zh") and exc.value.message("en")
    assert tours.staff_path(_data_dir).read_bytes() == before
    assert "kept-tour" in tours.load_tours(_data_dir)
    assert [p.name for p in _data_dir.iterdir() if p.name.startswith(".tours-")] == []  # no temp file left


def test_rejected_upload_names_the_bad_stop(staff, _data_dir):
    with pytest.raises(tours.TourValidationError) as exc:
        tours.save_tours(_new_tour_yaml().replace("003-066", "003-999"), staff, data_dir=_data_dir)
    msg = exc.value.message("zh")
    assert "demo-tour" in msg and "第 2 站" in msg and "figures" in msg


def test_oversized_upload_is_refused(staff, _data_dir):
    with pytest.raises(tours.TourYAMLError):
        tours.save_tours(b"#" * (tours.MAX_YAML_BYTES + 1), staff, data_dir=_data_dir)


def test_edit_round_trip_through_yaml(staff, _data_dir):
    text = tours.tour_yaml(tours.get_tour("jilin-changchun-border")).replace("吉林：长春", "吉林省：长春")
    tours.save_tours(text, staff, data_dir=_data_dir)
    assert tours.load_tours(_data_dir)["jilin-changchun-border"].title("zh").startswith("吉林省：长春")
