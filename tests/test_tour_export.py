"""The offline export: one self-contained HTML file per tour, with every stop, figure and 示意 label."""

from __future__ import annotations

import html
import json
import re

import pytest
import yaml

from urbanmap import tour_export, tours
from urbanmap.cli import main
from tourdata import raw_tour, target_rows

TOUR_IDS = ["yunnan-city-system", "liupanshui-layout", "jilin-changchun-border"]
PLOTLY_BANNER = "* plotly.js v"


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("URBANMAP_DATA_DIR", str(tmp_path))


@pytest.fixture(scope="module")
def exported() -> dict[str, str]:
    return {tid: tour_export.build_html(tours.get_tour(tid), "zh") for tid in TOUR_IDS}


def _data(doc: str) -> dict:
    m = re.search(r'<script type="application/json" id="um-data">(.*?)</script>', doc, re.S)
    return json.loads(m.group(1))


@pytest.mark.parametrize("tid", TOUR_IDS)
def test_nothing_is_loaded_from_outside_the_file(exported, tid):
    doc = exported[tid]
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=", doc, re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:|//|images/)", doc, re.I)
    ours = re.sub(r"<script>/\*\*\n\* plotly\.js v.*?</script>", "", doc, flags=re.S)  # plotly's own code names tile servers
    assert "tile.openstreetmap" not in ours and "tianditu" not in ours.lower() and "autonavi" not in ours
    assert "Leaflet 1.9.4" in doc and "window.umLayer" in doc  # vendored Leaflet and our helpers, inline


@pytest.mark.parametrize("tid", TOUR_IDS)
def test_every_stop_title_and_figure_is_in_the_file(exported, tid):
    doc, raw, known = exported[tid], raw_tour(tid), target_rows()
    assert doc.count('<section class="um-stop"') == len(raw["stops"])
    for stop in raw["stops"]:
        assert f"<h1>{stop['title']['zh']}</h1>" in doc
        for fid in stop["figures"]:
            card = re.search(rf'<div class="um-card[^"]*" data-target="{fid}".*?</div></div>', doc, re.S)
            assert card, fid
            assert known[fid]["target_value"] in card.group(0)
            assert known[fid]["source"].split("_")[0] in card.group(0)  # provenance on the card


@pytest.mark.parametrize("tid", TOUR_IDS)
def test_plotly_is_inlined_once_and_only_when_a_stop_has_a_chart(exported, tid):
    has_chart = any(s.get("chart") for s in raw_tour(tid)["stops"])
    assert exported[tid].count(PLOTLY_BANNER) == (1 if has_chart else 0)


@pytest.mark.parametrize("tid", TOUR_IDS)
def test_file_size_stays_reasonable(exported, tid):
    size = len(exported[tid].encode("utf-8"))
    budget = 4_000_000 + (5_000_000 if exported[tid].count(PLOTLY_BANNER) else 0)
    assert size < budget, f"{tid}: {size / 1e6:.1f} MB"


def test_map_data_is_inline_clipped_and_shared(exported):
    d = _data(exported["liupanshui-layout"])
    assert len(d["stops"]) == len(raw_tour("liupanshui-layout")["stops"])
    for opts in d["layers"].values():
        for src in opts["sources"]:
            assert "url" not in src and src["ref"] in d["data"]
    counties = d["data"]["admin_county#1"]["features"]
    ids = {f["properties"]["id"] for f in counties}
    assert "520201" in ids  # 钟山区
    assert not any(i.startswith("22") for i in ids)  # Jilin's counties are far outside this tour
    assert d["stops"][2]["highlight"]["features"][0]["properties"]["id"] == "lps-center-main"


def test_schematic_layers_are_labelled_in_the_file(exported):
    doc = exported["liupanshui-layout"]
    belt = doc.split('data-step="2"', 1)[1].split("</section>", 1)[0]
    assert 'class="um-schematic"' in belt and "示意" in belt
    first_jilin = exported["jilin-changchun-border"].split('data-step="1"', 1)[1].split("</section>", 1)[0]
    assert "部分示意" in first_jilin


def test_english_export():
    doc = tour_export.build_html(tours.get_tour("jilin-changchun-border"), "en")
    raw = raw_tour("jilin-changchun-border")
    assert '<html lang="en">' in doc
    assert all(f"<h1>{html.escape(s['title']['en'])}</h1>" in doc for s in raw["stops"])
    assert "Target year 2030" in doc


def test_notes_markdown_is_escaped():
    out = tour_export.markdown_html("- **要点** <script>alert(1)</script>\n- 第二条\n\n段落 *强调*")
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert out.count("<li>") == 2 and "<strong>要点</strong>" in out and "<em>强调</em>" in out


def test_cli_export_writes_the_file(tmp_path, capsys):
    out = tmp_path / "lps.html"
    assert main(["tour", "export", "liupanshui-layout", "-o", str(out)]) == 0
    assert out.stat().st_size > 1_000_000
    assert "<h1>三心：一主两副</h1>" in out.read_text("utf-8")
    assert "lps.html" in capsys.readouterr().out


def test_cli_export_unknown_tour(tmp_path, capsys):
    assert main(["tour", "export", "no-such-tour", "-o", str(tmp_path / "x.html")]) == 1
    assert "no-such-tour" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_cli_list_and_validate(tmp_path, capsys):
    assert main(["tour", "list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert {ln.split("\t")[0] for ln in lines} >= set(TOUR_IDS)
    assert main(["tour", "validate"]) == 0
    bad = raw_tour("liupanshui-layout")
    bad["stops"][3]["figures"] = ["003-009", "003-011", "123-456"]
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump({"tours": [bad]}, allow_unicode=True), "utf-8")
    capsys.readouterr()
    assert main(["tour", "validate", str(f)]) == 1
    err = capsys.readouterr().err
    assert "第 4 站" in err and "figures" in err and "123-456" in err
