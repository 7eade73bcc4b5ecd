"""The value-text parser, table-driven over the qualifier forms the five seeds actually use.

Each FORMS row is written as it appears in a seed (the seed prefix says which;
``None`` marks a synthetic form the parser must also handle: full-width
characters, other dashes, 不超过 …).  ``test_forms_occur_in_their_seed``
keeps the table honest.  Expected values are read off the text by hand.
"""

from __future__ import annotations

import math
import re
import unicodedata

import pytest

from urbanmap import config
from urbanmap.valueparse import FLAG_LABELS, describe, numbers_in, parse_value

# text, seed, lower, upper, comparator, cumulative, annual, unit_in_value, scale
FORMS = [
    # 003 专栏1 (table cells)
    ("86左右", "003", 86, 86, "≈", False, False, None, 1),
    ("50以上", "003", 50, None, ">=", False, False, None, 1),
    ("0.04以内", "003", None, 0.04, "<=", False, False, None, 1),
    ("[44.84]以上", "003", 44.84, None, ">=", True, False, None, 1),
    ("[33]以上", "003", 33, None, ">=", True, False, None, 1),
    ("[2000]左右", "003", 2000, 2000, "≈", True, False, None, 1),
    ("[3.93]", "003", 3.93, 3.93, "=", True, False, None, 1),
    ("年均增长1—2个 百分点", "003", 1, 2, "range", False, True, "个百分点", 1),
    ("22.01", "003", 22.01, 22.01, "=", False, False, None, 1),
    ("2.3以上", "003", 2.3, None, ">=", False, False, None, 1),
    # 003 running text
    ("每年平均增长1—2个百分点", "003", 1, 2, "range", False, True, "个百分点", 1),
    ("年均增长10%左右", "003", 10, 10, "≈", False, True, "%", 1),
    ("控制在0.04人以内", "003", None, 0.04, "<=", False, False, "人", 1),
    ("提高到1.1以上", "003", 1.1, None, ">=", False, False, None, 1),
    ("提高到11年", "003", 11, 11, "=", False, False, "年", 1),
    ("增加到4.5个", "003", 4.5, 4.5, "=", False, False, "个", 1),
    ("增加到2.3平方米以上", "003", 2.3, None, ">=", False, False, "平方米", 1),
    ("下降到2.8左右", "003", 2.8, 2.8, "≈", False, False, None, 1),
    ("稳定在90%左右", "003", 90, 90, "≈", False, False, "%", 1),
    ("达95.1%以上", "003", 95.1, None, ">=", False, False, "%", 1),
    ("达2.5万元以上", "003", 2.5, None, ">=", False, False, "万元", 1e4),
    ("达2000亿元左右", "003", 2000, 2000, "≈", False, False, "亿元", 1e8),
    ("达200万人左右", "003", 200, 200, "≈", False, False, "万人", 1e4),
    ("达到4000个以上", "003", 4000, None, ">=", False, False, "个", 1),
    ("达到11辆", "003", 11, 11, "=", False, False, "辆", 1),
    ("超过40%", "003", 40, None, ">=", False, False, "%", 1),
    ("大于90%", "003", 90, None, ">=", False, False, "%", 1),
    ("超100亿元", "003", 100, None, ">=", False, False, "亿元", 1e8),
    ("约6000张", "003", 6000, 6000, "≈", False, False, "张", 1),
    ("不少于90个", "003", 90, None, ">=", False, False, "个", 1),
    ("不低于30年一遇", "003", 30, None, ">=", False, False, "年一遇", 1),
    ("3—4个", "003", 3, 4, "range", False, False, "个", 1),
    ("1—2条", "003", 1, 2, "range", False, False, "条", 1),
    ("2022—2025年", "003", 2022, 2025, "range", False, False, "年", 1),
    ("1.1519万户", "003", 1.1519, 1.1519, "=", False, False, "万户", 1e4),
    ("500亿级", "003", 500, 500, "=", False, False, "亿级", 1e8),
    ("3家以上", "003", 3, None, ">=", False, False, "家", 1),
    # 002
    ("150万人左右", "002", 150, 150, "≈", False, False, "万人", 1e4),
    ("25个以上", "002", 25, None, ">=", False, False, "个", 1),
    ("75%以上", "002", 75, None, ">=", False, False, "%", 1),
    ("不少于30个", "002", 30, None, ">=", False, False, "个", 1),
    ("达到37%以上", "002", 37, None, ">=", False, False, "%", 1),
    ("不低于12平方米", "002", 12, None, ">=", False, False, "平方米", 1),
    ("达到65%左右", "002", 65, 65, "≈", False, False, "%", 1),
    ("稳定在85%以上", "002", 85, None, ">=", False, False, "%", 1),
    ("2至3岁", "002", 2, 3, "range", False, False, "岁", 1),
    # 001
    ("3692个", "001", 3692, 3692, "=", False, False, "个", 1),
    ("15万套", "001", 15, 15, "=", False, False, "万套", 1e4),
    ("提升至30%以上", "001", 30, None, ">=", False, False, "%", 1),
    ("不低于28平方米", "001", 28, None, ">=", False, False, "平方米", 1),
    ("不少于15条", "001", 15, None, ">=", False, False, "条", 1),
    ("不低于15%", "001", 15, None, ">=", False, False, "%", 1),
    ("8公里/平方公里", "001", 8, 8, "=", False, False, "公里/平方公里", 1),
    ("达6座/平方公里", "001", 6, 6, "=", False, False, "座/平方公里", 1),
    ("1.5倍", "001", 1.5, 1.5, "=", False, False, "倍", 1),
    ("100%", "001", 100, 100, "=", False, False, "%", 1),
    # 000
    ("超5500公里", "000", 5500, None, ">=", False, False, "公里", 1),
    ("6000套", "000", 6000, 6000, "=", False, False, "套", 1),
    ("120亿元以上", "000", 120, None, ">=", False, False, "亿元", 1e8),
    ("100个以上", "000", 100, None, ">=", False, False, "个", 1),
    ("72%以上", "000", 72, None, ">=", False, False, "%", 1),
    ("374.26平方公里", "000", 374.26, 374.26, "=", False, False, "平方公里", 1),
    ("140余项", "000", 140, None, ">=", False, False, "项", 1),
    ("约1%", "000", 1, 1, "≈", False, False, "%", 1),
    # 004
    ("1300万左右", "004", 1300, 1300, "≈", False, False, "万", 1e4),
    ("1.35万亿元左右", "004", 1.35, 1.35, "≈", False, False, "万亿元", 1e12),
    # synthetic: forms the issue names that the seeds do not use, full-width text, other dashes
    ("不超过8", None, None, 8, "<=", False, False, None, 1),
    ("8以下", None, None, 8, "<=", False, False, None, 1),
    ("至少5个", None, 5, None, ">=", False, False, "个", 1),
    ("累计1.2万户", None, 1.2, 1.2, "=", True, False, "万户", 1e4),
    ("１００％以上", None, 100, None, ">=", False, False, "%", 1),
    ("［３３］以上", None, 33, None, ">=", True, False, None, 1),
    ("5–10", None, 5, 10, "range", False, False, None, 1),
    ("5-10万人", None, 5, 10, "range", False, False, "万人", 1e4),
    ("5~10", None, 5, 10, "range", False, False, None, 1),
    ("５～１０％", None, 5, 10, "range", False, False, "%", 1),
    ("5至10个", None, 5, 10, "range", False, False, "个", 1),
    ("10,116个", None, 10116, 10116, "=", False, False, "个", 1),
    ("0.04人/亿元", None, 0.04, 0.04, "=", False, False, "人/亿元", 1),
    ("力争达到1.35万亿元左右", "004", 1.35, 1.35, "≈", False, False, "万亿元", 1e12),
    # forms met while extracting 003 (units, neutral verbs, a Chinese numeral)
    ("11辆(标台)", "003", 11, 11, "=", False, False, "辆(标台)", 1),
    ("至少具备1个", "003", 1, None, ">=", False, False, "个", 1),
    ("至少设置一所", "003", 1, None, ">=", False, False, "所", 1),
    ("30分钟", "003", 30, 30, "=", False, False, "分钟", 1),
    ("2500吨/日", "003", 2500, 2500, "=", False, False, "吨/日", 1),
    ("2900Gbps", "003", 2900, 2900, "=", False, False, "Gbps", 1),
    ("200万元/亩以上", "003", 200, None, ">=", False, False, "万元/亩", 1e4),
    ("两个百分点", None, 2, 2, "=", False, False, "个百分点", 1),
]


def _seed_text(prefix: str) -> str:
    (path,) = sorted(config.seeds_dir().glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8")


def _close(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b))


@pytest.mark.parametrize("text,seed,lower,upper,comparator,cumulative,annual,unit,scale", FORMS, ids=[f[0] for f in FORMS])
def test_forms(text, seed, lower, upper, comparator, cumulative, annual, unit, scale):
    p = parse_value(text)
    assert not p.unknown, p.error
    assert not p.words and not p.no_data
    assert _close(p.lower, lower) and _close(p.upper, upper), (p.lower, p.upper)
    assert p.comparator == comparator
    assert p.cumulative is cumulative
    assert p.annual is annual
    assert p.unit_in_value == unit
    assert p.scale == scale
    assert p.raw == text


@pytest.mark.parametrize("text,seed", [(f[0], f[1]) for f in FORMS if f[1]], ids=[f[0] for f in FORMS if f[1]])
def test_forms_occur_in_their_seed(text, seed):
    squash = lambda s: re.sub(r"[\s|]+", "", s)  # noqa: E731 - 003's tables: one cell per line
    assert squash(text) in squash(_seed_text(seed))


def test_strict_and_aspiration_flags():
    assert parse_value("超5500公里").strict and parse_value("大于90%").strict
    assert not parse_value("不低于15%").strict
    assert parse_value("力争达到1.35万亿元左右").aspiration
    assert not parse_value("达到65%左右").aspiration
    assert parse_value("[33]以上").qualifiers == ("[]", "以上")


def test_scaled_bounds():
    assert parse_value("120亿元以上").lower_scaled == pytest.approx(1.2e10)
    assert parse_value("1300万左右").upper_scaled == pytest.approx(1.3e7)
    assert parse_value("0.04以内").lower_scaled is None


@pytest.mark.parametrize("text", ["——", "—", " —— ", "--"])
def test_no_data(text):
    p = parse_value(text)
    assert p.no_data and not p.unknown and p.lower is None and p.upper is None and p.comparator is None


@pytest.mark.parametrize("text", ["基本建成", "全覆盖", "显著提升", "一年初见成效", "打造一批", "三年彰显品质"])
def test_text_without_digits_is_words_not_a_number(text):
    p = parse_value(text)
    assert p.words and not p.is_number and not p.unknown


def test_qualitative_rows_are_words_even_with_digits():
    p = parse_value("打造“1小时通勤圈”", qualitative=True)
    assert p.words and not p.is_number


@pytest.mark.parametrize("text,why", [
    ("", "empty"),
    ("12以上xyz", "cannot read"),
    ("8以上以下", "cannot read"),
    ("不超过8以上", "conflicting"),
    ("1—2以上", "one-sided"),
    ("5—3", "backwards"),
    ("[12", "unbalanced"),
    ("12]", "unbalanced"),
    ("8元/", "cannot read"),
    ("2×660MW", "cannot read"),
    ("约八成以上5", "cannot read"),
    ("12.5.3", "cannot read"),
    ("12(abc)以上", "cannot read"),  # a bracketed note belongs to a unit, not to a bare number
    ("11辆(标台2)", "cannot read"),
])
def test_unreadable_text_is_reported_not_a_number(text, why):
    p = parse_value(text)
    assert p.unknown and why in p.error
    assert p.lower is None and p.upper is None and p.comparator is None


@pytest.mark.parametrize("text", [f[0] for f in FORMS])
def test_trailing_junk_never_leaves_a_number(text):
    p = parse_value(text + "xyz")
    assert not p.is_number
    # with digits it is reported; a Chinese numeral in a phrase is just words ("一年初见成效")
    assert p.unknown if re.search(r"\d", unicodedata.normalize("NFKC", text)) else p.words


def test_numbers_in():
    assert numbers_in("[3.93]") == ["3.93"]
    assert numbers_in("年均增长1—2个百分点") == ["1", "2"]
    assert numbers_in("１００％以上") == ["100"]
    assert numbers_in("10,116个") == ["10116"]


@pytest.mark.parametrize("text,unit,zh,en", [
    ("8以上", None, "≥ 8（以上）", "at least 8"),
    ("86左右", "万人", "≈ 86万人（左右）", "about 860,000 people"),
    ("0.04以内", "人/亿元", "≤ 0.04人/亿元（以内）", "at most 0.04 people/100 million yuan"),
    ("[33]以上", "万人", "累计 ≥ 33万人（以上）", "cumulative over the period: at least 330,000 people"),
    ("[3.93]", "万户", "累计 3.93万户", "cumulative over the period: 39,300 households"),
    ("年均增长1—2个 百分点", "%", "年均增长 1–2个百分点", "average annual growth of 1–2 percentage points"),
    ("超5500公里", None, "> 5500公里（超）", "more than 5,500 km"),
    ("120亿元以上", "亿元", "≥ 120亿元（以上）", "at least 12 billion yuan"),
    ("1300万左右", "万人", "≈ 1300万人（左右）", "about 13 million people"),
    ("1.35万亿元左右", "万亿元", "≈ 1.35万亿元（左右）", "about 1.35 trillion yuan"),
    ("不低于28平方米", None, "≥ 28平方米（不低于）", "at least 28 m²"),
    ("8座/平方公里", None, "8座/平方公里", "8 per km²"),
    ("72%以上", "%", "≥ 72%（以上）", "at least 72%"),
    ("——", None, "无数据（——）", "no data"),
    ("11辆(标台)", None, "11辆(标台)", "11 vehicles (标台)"),
    ("2500吨/日", None, "2500吨/日", "2,500 t/day"),
    ("至少设置一所", None, "≥ 1所（至少）", "at least 1"),
    ("12以上xyz", None, "无法解析：12以上xyz", "unreadable value: 12以上xyz"),
])
def test_describe(text, unit, zh, en):
    assert describe(text, "zh", unit=unit) == zh
    assert describe(text, "en", unit=unit) == en


def test_flag_labels_are_bilingual():
    assert FLAG_LABELS["cumulative"] == ("累计", "cumulative over the period")
    assert FLAG_LABELS["annual"] == ("年均增长", "average annual growth")
    assert all(zh and en for zh, en in FLAG_LABELS.values())
