"""Every UI string exists in Chinese and English, and every key the code asks for exists."""

import re
from pathlib import Path

import pytest

from urbanmap import clusters, mapbuild, ui_map
from urbanmap.i18n import LANGS, STRINGS, t

REPO = Path(__file__).resolve().parents[1]
SOURCES = [REPO / "app.py", *sorted((REPO / "pages").glob("*.py")), *sorted((REPO / "src" / "urbanmap").rglob("*.py"))]
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z][a-z0-9_]*\.[A-Za-z0-9_.]*[A-Za-z0-9])["']\s*[,)]""")


def test_every_key_has_every_language():
    missing = [(k, lang) for k, entry in STRINGS.items() for lang in LANGS if not (entry.get(lang) or "").strip()]
    assert missing == []


def test_every_literal_key_used_in_the_code_exists():
    used = {(p.relative_to(REPO).as_posix(), m) for p in SOURCES for m in LITERAL_KEY.findall(p.read_text("utf-8"))}
    assert used, "the scan found no t() calls at all"
    unknown = sorted((f, k) for f, k in used if k not in STRINGS)
    assert unknown == []


@pytest.mark.parametrize("prefix, values", [
    ("region.", list(mapbuild.REGIONS)),
    ("group.", list(ui_map.GROUP_ORDER)),
    ("clusters.sys_", list(clusters.SYSTEMS)),
])
def test_dynamic_keys_cover_their_values(prefix, values):
    assert [v for v in values if prefix + v not in STRINGS] == []


def test_unknown_key_falls_back_to_the_key_itself():
    assert t("no.such.key", "en") == "no.such.key"
