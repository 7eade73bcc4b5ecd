"""The message table: every rejection has a short zh and en text with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

import urbanmap.upload as upload
from urbanmap.upload.errors import MESSAGES, NOTICES, Notice, UploadError, list_items

SRC = Path(upload.__file__).parent
# Placeholders whose English text is passed separately (region names, geometry kinds).
_EN_TWINS = {"region_en": "region", "expected_en": "expected"}


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_each_message_exists_in_both_languages_with_the_same_placeholders(code):
    zh, en = MESSAGES[code]
    assert re.search(r"[\u4e00-\u9fff]", zh), f"{code}: zh text has no Chinese"
    assert not re.search(r"[\u4e00-\u9fff]", en), f"{code}: en text has Chinese"
    assert {_EN_TWINS.get(f, f) for f in _fields(en)} == _fields(zh), code
    assert len(zh) <= 120 and len(en) <= 240, f"{code}: keep messages short"


@pytest.mark.parametrize("code", sorted(NOTICES))
def test_each_notice_exists_in_both_languages(code):
    zh, en = NOTICES[code]
    assert re.search(r"[\u4e00-\u9fff]", zh) and not re.search(r"[\u4e00-\u9fff]", en)
    assert _fields(zh) == _fields(en)


def test_every_code_raised_in_the_source_has_a_message():
    raised = set()
    for path in SRC.glob("*.py"):
        raised |= set(re.findall(r'UploadError\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
        raised |= set(re.findall(r'Notice\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert raised, "no codes found: the pattern is stale"
    assert raised - set(MESSAGES) - set(NOTICES) == set()


def test_unknown_code_is_a_programming_error():
    with pytest.raises(ValueError):
        UploadError("no_such_code")
    with pytest.raises(ValueError):
        Notice("no_such_notice")


def test_error_fields_and_rendering():
    err = UploadError("choose_layer", "2 layers", choices=["一", "二"], params={"layers": "一、二"})
    assert err.code == "choose_layer" and err.detail == "2 layers" and err.choices == ["一", "二"]
    assert err.message("zh") == "文件中有多个图层（一、二）。请选择要导入的图层。"
    assert err.message("en") == "The file holds several layers (一、二). Choose the layer to import."
    assert "2 layers" in str(err)  # the log sees the detail; the user sees message()


def test_missing_parameter_still_gives_the_message():
    assert UploadError("too_large").message("en").startswith("The file is too large")


def test_notice_is_a_bilingual_string():
    n = Notice("encoding_detected", encoding="GBK")
    assert isinstance(n, str) and n.code == "encoding_detected"
    assert str(n) == f"{n.message('zh')} / {n.message('en')}"
    assert "GBK" in n.message("en")


def test_list_items_is_short():
    assert list_items(["a", "b"]) == "a, b"
    assert list_items(range(8), limit=3) == "0, 1, 2 …(+5)"
