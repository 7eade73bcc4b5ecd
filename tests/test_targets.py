"""geodata/targets.csv: the provenance check (against ../shared/seeds), the loader, the join, the CLI.

Expected values are typed from the plan texts (and the issue's coverage list),
not taken from the code.  Negative tests tamper with a copy of the table in
tmp_path and expect the check to name the row and field at fault.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from urbanmap import config, targets
from urbanmap.cli import main

HEADER = ("target_id,region_code,region_name,category,indicator,unit,baseline_year,baseline_value,"
          "target_year,target_value,kind,source,source_section,source_quote")
S0, S1, S3, S4 = "000_6a5835e73e7e415c.txt", "001_50189ce25040e0c4.txt", "003_ab4fa118cd807eab.txt", "004_4d7c8f1b90c4c7da.txt"


@pytest.fixture(scope="module")
def df():
    return targets.load_targets()


@pytest.fixture(scope="module")
def repo_problems():
    assert config.seeds_dir().is_dir(), f"seeds missing at {config.seeds_dir()}"
    return targets.check()


def _rows():
    return targets.read_rows()[1]


def _write(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(targets.COLUMNS))
        w.writeheader()
        w.writerows(rows)
    return path


def _tampered(tmp_path, tid: str, **changes) -> Path:
    rows = _rows()
    hit = [r for r in rows if r["target_id"] == tid]
    assert hit, tid
    hit[0].update(changes)
    return _write(tmp_path / "targets.csv", rows)


def _row(**fields) -> dict:
    base = {c: "" for c in targets.COLUMNS}
    base.update(fields)
    return base


# --------------------------------------------------------------------------- the committed table

def test_file_is_utf8_with_the_agreed_header(repo):
    text = (repo / "geodata" / "targets.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == HEADER


def test_committed_table_passes_the_check(repo_problems):
    errs = targets.errors(repo_problems)
    assert errs == [], "\n".join(map(str, errs))


def test_own_rows_pass_without_warnings(repo_problems):
    mine = [p for p in repo_problems if p.target_id[:3] in ("000", "001", "004")]
    assert mine == [], "\n".join(map(str, mine))


def test_check_command_exits_zero_on_the_committed_table(capsys):
    assert main(["targets", "check"]) == 0
    assert "0 errors" in capsys.readouterr().out


def test_loader_keeps_codes_as_text_and_years_as_integers(df):
    row = df[df.target_id == "004-006"].iloc[0]
    assert row.region_code == "jl-changchun-metro"
    assert row.target_year == 2030
    assert (df.region_code == "530000").any()  # not 530000.0 or 530000 (int)
    assert set(df.category) <= set(targets.CATEGORY_EN)
    assert df.category_en.notna().all()


def _find(df, region, value):
    hit = df[(df.region_code == region) & (df.target_value == value)]
    assert len(hit) == 1, (region, value, len(hit))
    return hit.iloc[0]


# (region_code, target_value as the plan writes it, lower, upper, comparator) — from the seeds by hand
COVERAGE = [
    # 000: the four 城市四线 areas and this year's tasks
    ("cz-blue", "374.26平方公里", 374.26, 374.26, "="),
    ("cz-green", "114.08平方公里", 114.08, 114.08, "="),
    ("cz-purple", "28.7平方公里", 28.7, 28.7, "="),
    ("cz-yellow", "57.24平方公里", 57.24, 57.24, "="),
    ("530000", "超5500公里", 5500, None, ">="),
    ("530000", "6000套", 6000, 6000, "="),
    ("530000", "100个以上", 100, None, ">="),
    ("530100", "45条", 45, 45, "="),
    ("530000", "72%以上", 72, None, ">="),
    ("530000", "33个", 33, 33, "="),
    ("530000", "120亿元以上", 120, None, ">="),
    ("530000", "26个", 26, 26, "="),
    ("530000", "10个", 10, 10, "="),
    # 001: 2024 targets
    ("530000", "3692个", 3692, 3692, "="),
    ("530000", "30%以上", 30, None, ">="),
    ("530000", "8公里/平方公里", 8, 8, "="),
    ("530000", "不低于15%", 15, None, ">="),
    ("530100", "8座/平方公里", 8, 8, "="),
    ("530000", "6座/平方公里", 6, 6, "="),
    ("530000", "5座/平方公里", 5, 5, "="),
    ("530000", "100个", 100, 100, "="),
    # 004: 长春现代化都市圈 2030
    ("jl-changchun-metro", "1300万左右", 1300, 1300, "≈"),
    ("jl-changchun-metro", "1.35万亿元左右", 1.35, 1.35, "≈"),
]


@pytest.mark.parametrize("region,value,lower,upper,comparator", COVERAGE, ids=[f"{c[0]}:{c[1]}" for c in COVERAGE])
def test_required_targets_are_present_and_parsed(df, region, value, lower, upper, comparator):
    row = _find(df, region, value)
    assert row.kind == "quantitative"
    assert row.comparator == comparator
    assert (lower is None and row.lower != row.lower) or row.lower == pytest.approx(lower)
    assert (upper is None and row.upper != row.upper) or row.upper == pytest.approx(upper)


def test_001_urban_renewal_2024_counts(df):
    renewal = df[(df.source == S1) & (df.category == "城市更新") & (df.target_year == 2024)]
    assert set(renewal.target_value) == {"3692个", "15万套", "300个", "60个", "35片"}
    assert renewal[renewal.target_value == "300个"].indicator.str.contains("城中村").all()


def test_001_public_toilet_density_by_city_class(df):
    toilets = df[(df.source == S1) & (df.unit == "座/平方公里")]
    by_value = {(r.region_code, r.lower) for r in toilets.itertuples()}
    assert by_value == {("530100", 8), ("530000", 6), ("530000", 5)}
    assert (toilets.target_year == 2024).all()


def test_two_step_and_jilin_milestones_are_qualitative_rows(df):
    yn = df[(df.source == S0) & (df.region_code == "530000") & (df.kind == "qualitative")]
    assert {2030, 2035} <= set(yn.target_year.dropna())
    assert "具有边疆民族地区特点的现代化人民城市基本建成" in set(yn.target_value)
    jl = df[(df.source == S4) & (df.region_code == "220000") & (df.category == "总体目标")]
    assert sorted(jl.target_year) == [2028, 2030, 2035]
    assert (jl.kind == "qualitative").all()
    assert jl.words.all()


def test_excluded_past_statistics_are_not_targets(df):
    # 000 reports 10116 party organisations and 7531 owners' committees: achievements, not targets
    assert not df.target_value.str.contains("10116|7531|4.6万").any()


def test_value_in_words(df):
    row = df[df.target_id == "004-006"].iloc[0]
    assert targets.value_in_words(row, "zh") == "≈ 1300万人（左右）"
    assert targets.value_in_words(row, "en") == "about 13 million people"
    goal = df[df.target_id == "000-002"].iloc[0]
    assert targets.value_in_words(goal, "en") == "具有边疆民族地区特点的现代化人民城市基本建成"


# --------------------------------------------------------------------------- the join

def test_targets_for_a_feature_id(df):
    blue = targets.targets_for("cz-blue", df=df)
    assert list(blue.target_value) == ["374.26平方公里"]


def test_targets_for_an_adcode_with_and_without_children(df):
    own = targets.targets_for("530000", df=df)
    assert set(own.region_code) == {"530000"}
    allyn = targets.targets_for("530000", include_children=True, df=df)
    assert {"530000", "530100", "530702", "532801", "cz-blue", "yn-dianzhong"} <= set(allyn.region_code)
    assert not allyn.region_code.str.startswith(("22", "jl-")).any()
    assert list(allyn.target_id) == sorted(allyn.target_id)
    jl = targets.targets_for("220000", include_children=True, df=df)
    assert {"220000", "220100", "jl-changchun-metro", "jl-border-hunchun"} <= set(jl.region_code)


def test_targets_for_unknown_code_is_empty(df):
    assert targets.targets_for("999999", df=df).empty


@pytest.mark.parametrize("code,expected", [
    ("520201", ["520200", "520000"]),
    ("520200", ["520000"]),
    ("520000", []),
    ("lpscc-yutang", ["lps-center-main", "520200", "520000"]),
    ("lps-zone-north", ["520200", "520000"]),
    ("gz-zsn-group", ["520000"]),
    ("cz-blue-1", ["cz-blue", "530000"]),
    ("jl-changchun-metro", ["220000"]),
])
def test_ancestors(code, expected):
    assert targets.ancestors(code) == expected


def test_liupanshui_children_from_a_table_with_003_rows(tmp_path):
    rows = [
        _row(target_id="003-001", region_code="520200", region_name="六盘水市", category="人口与城镇化", kind="quantitative", target_value="1"),
        _row(target_id="003-002", region_code="lps-center-main", region_name="市中心城区", category="人口与城镇化", kind="quantitative", target_value="2"),
        _row(target_id="003-003", region_code="lpscc-yutang", region_name="鱼塘片区", category="城市更新", kind="quantitative", target_value="3"),
        _row(target_id="003-004", region_code="520201", region_name="钟山区", category="城市更新", kind="quantitative", target_value="4"),
        _row(target_id="003-005", region_code="520525", region_name="纳雍县", category="城市更新", kind="quantitative", target_value="5"),
    ]
    df = targets.load_targets(_write(tmp_path / "t.csv", rows))
    assert list(targets.targets_for("520200", include_children=True, df=df).target_id) == ["003-001", "003-002", "003-003", "003-004"]
    assert list(targets.targets_for("lps-center-main", include_children=True, df=df).target_id) == ["003-002", "003-003"]
    assert list(targets.targets_for("520000", include_children=True, df=df).target_id) == [f"003-00{i}" for i in range(1, 6)]


# --------------------------------------------------------------------------- the check catches mistakes

def _errors_for(path, target_id=None, seeds=None):
    errs = targets.errors(targets.check(seeds_dir=seeds, path=path))
    return [(p.target_id, p.field, p.message) for p in errs if target_id is None or p.target_id == target_id]


def test_tampered_quote_fails(tmp_path):
    path = _tampered(tmp_path, "000-010", source_quote="把城市生活污水集中收集率提升至75%以上")
    errs = _errors_for(path)
    assert ("000-010", "source_quote") in {(t, f) for t, f, _ in errs}
    assert len(errs) == 2  # quote not in the seed, and 72 no longer in the quote


def test_wrong_number_fails(tmp_path):
    path = _tampered(tmp_path, "000-017", target_value="347.26平方公里")
    errs = _errors_for(path)
    assert errs == [("000-017", "target_value", "number 347.26 of '347.26平方公里' is not in the quote")]


@pytest.mark.parametrize("value", ["2%以上", "7%以上", "7.2%以上"])
def test_number_must_match_whole(tmp_path, value):
    # the quote says 72%: 2 and 7 occur in it only as digits of 72
    path = _tampered(tmp_path, "000-010", target_value=value)
    assert [f for _, f, _ in _errors_for(path, "000-010")] == ["target_value"]


def test_unknown_seed_fails(tmp_path):
    path = _tampered(tmp_path, "004-006", source="004_doesnotexist.txt")
    errs = _errors_for(path)
    assert [(t, f) for t, f, _ in errs] == [("004-006", "source")]


def test_seed_outside_the_seeds_dir_is_refused(tmp_path):
    path = _tampered(tmp_path, "004-006", source="004_../../004_4d7c8f1b90c4c7da.txt")
    assert ("004-006", "source") in {(t, f) for t, f, _ in _errors_for(path)}


def test_seeds_dir_option_is_used(tmp_path):
    empty = tmp_path / "seeds"
    empty.mkdir()
    errs = _errors_for(targets_path_copy(tmp_path), seeds=empty)
    assert errs and all(f == "source" for _, f, _ in errs)


def targets_path_copy(tmp_path):
    return _write(tmp_path / "copy.csv", _rows())


@pytest.mark.parametrize("field,value,expected_field", [
    ("category", "房地产", "category"),
    ("kind", "numeric", "kind"),
    ("target_year", "24", "target_year"),
    ("region_code", "530199", "region_code"),  # not an adcode in geodata/admin
    ("region_code", "yn-unknown", "region_code"),
    ("target_value", "12以上xyz", "target_value"),
    ("target_value", "全覆盖", "target_value"),  # quantitative without a number
    ("target_id", "0001-10", "target_id"),
    ("target_id", "001-099", "target_id"),  # prefix does not match the 000 source
    ("indicator", "", "indicator"),
    ("baseline_value", "约八成以上5", "baseline_value"),
    ("source_quote", "我省严格管控全省中心城区374.26平方公里的城市蓝线" * 3, "source_quote"),
])
def test_bad_fields_fail(tmp_path, field, value, expected_field):
    path = _tampered(tmp_path, "000-017", **{field: value})
    errs = _errors_for(path)
    assert expected_field in {f for _, f, _ in errs}, errs


def test_duplicate_id_fails(tmp_path):
    rows = _rows()
    rows[1]["target_id"] = rows[0]["target_id"]
    errs = _errors_for(_write(tmp_path / "t.csv", rows))
    assert any(f == "target_id" and "duplicate" in m for _, f, m in errs)


def test_wrong_header_fails(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,value\n1,2\n", encoding="utf-8")
    errs = _errors_for(path)
    assert errs and errs[0][1] == "header"


def test_region_name_mismatch_is_a_warning(tmp_path):
    path = _tampered(tmp_path, "000-009", region_name="昆明")
    problems = [p for p in targets.check(path=path) if p.target_id == "000-009"]
    assert [(p.field, p.severity) for p in problems] == [("region_name", "warning")]


def test_quotes_spanning_003_table_cells_match():
    """003's 专栏1 is one cell per line with "|" separators; a quote may span cells."""
    seed = targets._Seed(config.seeds_dir() / S3)
    assert seed.contains("市中心城区常住人口(万人) | 86左右 | 100左右")
    assert seed.contains("市中心城区常住人口(万人)\n86左右\n100左右")
    assert seed.contains("市中心城区常住人口(万人)86左右100左右")
    assert not seed.contains("市中心城区常住人口(万人) | 86左右 | 110左右")


def test_003_style_rows_pass_and_fail_in_a_tmp_table(tmp_path):
    good = _row(target_id="003-002", region_code="lps-center-main", region_name="市中心城区", category="人口与城镇化",
                indicator="市中心城区常住人口", unit="万人", baseline_year="2020", baseline_value="86左右", target_year="2025",
                target_value="100左右", kind="quantitative", source=S3, source_section="专栏1 第2项",
                source_quote="市中心城区常住人口(万人) | 86左右 | 100左右")
    cumulative = dict(good, target_id="003-005", region_code="520200", region_name="六盘水市", indicator="新增城镇就业人数",
                      baseline_value="[44.84]以上", target_value="[33]以上", source_section="专栏1 第5项",
                      source_quote="新增城镇就业人数(万人) | [44.84]以上 | [33]以上")
    wrong = dict(good, target_id="003-003", target_value="110左右")
    path = _write(tmp_path / "t.csv", [good, cumulative, wrong])
    assert _errors_for(path) == [("003-003", "target_value", "number 110 of '110左右' is not in the quote")]
    df = targets.load_targets(path)
    cum = df[df.target_id == "003-005"].iloc[0]
    assert cum.cumulative and cum.comparator == ">=" and cum.lower == 33 and cum.baseline_lower == 44.84


# --------------------------------------------------------------------------- CLI

def test_cli_check_lists_failing_rows_and_exits_nonzero(tmp_path, capsys):
    path = _tampered(tmp_path, "001-023", target_value="9座/平方公里")
    assert main(["targets", "check", "--file", str(path)]) == 1
    out = capsys.readouterr()
    assert "001-023" in out.out and "001-023" in out.err


def test_cli_list_json_for_a_region(capsys):
    assert main(["targets", "list", "--region", "jl-changchun-metro", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    pop = [r for r in records if r["target_value"] == "1300万左右"]
    assert len(pop) == 1
    assert pop[0]["lower"] == 1300 and pop[0]["upper"] == 1300 and pop[0]["comparator"] == "≈"
    assert pop[0]["cumulative"] is False and pop[0]["annual"] is False and pop[0]["target_year"] == 2030
    assert {r["region_code"] for r in records} == {"jl-changchun-metro"}


def test_cli_list_csv_has_parsed_columns(capsys):
    assert main(["targets", "list", "--region", "cz-green"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert len(rows) == 1
    assert rows[0]["lower"] == "114.08" and rows[0]["comparator"] == "="
    assert {"upper", "cumulative", "annual"} <= set(rows[0])
