"""Read the value text of a plan target: "86左右", "[33]以上", "年均增长1—2个百分点", "——".

Plans write a target as a number wrapped in qualifiers.  :func:`parse_value`
turns that text into a :class:`ParsedValue` without ever guessing: text it
cannot read completely comes back with ``unknown=True`` and an ``error``,
never as a number.

Grammar (after NFKC, which folds full-width digits and punctuation, and after
removing whitespace)::

    value   := prefix* "["? number-or-range unit? "]"? unit? suffix?
    range   := number ("—" | "–" | "-" | "~" | "至" | "到") number

* prefixes: comparators (不低于, 不少于, 至少, 不超过, 超, 超过, 大于, 小于 …),
  约 / 接近 (≈), 力争 / 争取 (aspiration), 年均增长 / 每年平均增长 / 年均
  (annual change), 累计 (cumulative) and neutral verbs (达到, 达, 提升至,
  提高到, 增加到, 下降到, 控制在, 稳定在, 保持在, 具备, 设置, 新增 …);
* the number: digits (full-width folded, "10,116" read as 10116) or one Chinese
  numeral (一 … 十, 两) when the whole value reads ("至少设置一所");
* ``[ ]`` marks a cumulative value over the plan period (专栏1 of 003: "[]内为累计数");
* suffixes: 以上 (≥), 以下 / 以内 (≤), 左右 / 上下 (≈); 余 / 多 right after
  the number ("140余项") means "more than";
* units written inside the value (万, 亿, 亿元, 万人, %, 个百分点, 公里/平方公里,
  座/平方公里, 年一遇, 吨/日, 辆(标台) …) are kept in ``unit_in_value``; a 万 / 亿 / 万亿 prefix
  gives ``scale`` (1e4, 1e8, 1e12).  ``lower`` / ``upper`` stay the numbers as
  written (86 for "86万"); ``lower_scaled`` / ``upper_scaled`` apply the scale.

"——" (no data) gives ``no_data=True``; text without any number that reads
as a value is ``words`` (a goal in words, e.g. "基本建成", "一年初见成效").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

COMPARATORS = (">=", "<=", "≈", "=", "range")

#: Prefix words, longest first when matched.  Each maps to (role, comparator, strict).
#: Roles: "cmp" sets a comparator, "approx" sets ≈, "aspiration" (力争), "annual",
#: "cumulative", "verb" (neutral: 达到 8 = 8).
PREFIXES: dict[str, tuple[str, str | None, bool]] = {
    "每年平均增长": ("annual", None, False),
    "年均增长": ("annual", None, False),
    "年均提高": ("annual", None, False),
    "年均": ("annual", None, False),
    "累计": ("cumulative", None, False),
    "力争": ("aspiration", None, False),
    "争取": ("aspiration", None, False),
    "不低于": ("cmp", ">=", False),
    "不少于": ("cmp", ">=", False),
    "不小于": ("cmp", ">=", False),
    "至少": ("cmp", ">=", False),
    "超过": ("cmp", ">=", True),
    "大于": ("cmp", ">=", True),
    "高于": ("cmp", ">=", True),
    "多于": ("cmp", ">=", True),
    "超": ("cmp", ">=", True),
    "不超过": ("cmp", "<=", False),
    "不高于": ("cmp", "<=", False),
    "不大于": ("cmp", "<=", False),
    "不多于": ("cmp", "<=", False),
    "小于": ("cmp", "<=", True),
    "低于": ("cmp", "<=", True),
    "少于": ("cmp", "<=", True),
    "约": ("approx", "≈", False),
    "接近": ("approx", "≈", False),
    "近": ("approx", "≈", False),
    "达到": ("verb", None, False),
    "达": ("verb", None, False),
    "提升至": ("verb", None, False),
    "提升到": ("verb", None, False),
    "提高到": ("verb", None, False),
    "提高至": ("verb", None, False),
    "增加到": ("verb", None, False),
    "增加至": ("verb", None, False),
    "增至": ("verb", None, False),
    "下降到": ("verb", None, False),
    "下降至": ("verb", None, False),
    "降至": ("verb", None, False),
    "降到": ("verb", None, False),
    "降低到": ("verb", None, False),
    "控制在": ("verb", None, False),
    "稳定在": ("verb", None, False),
    "保持在": ("verb", None, False),
    # doing-words that leave the number as it is: "至少具备1个", "新增100个"
    "具备": ("verb", None, False),
    "设置": ("verb", None, False),
    "新增": ("verb", None, False),
    "完成": ("verb", None, False),
    "建成": ("verb", None, False),
    "实现": ("verb", None, False),
}

#: Suffix words after the number (and unit): word -> comparator.
SUFFIXES: dict[str, str] = {"以上": ">=", "以下": "<=", "以内": "<=", "左右": "≈", "上下": "≈"}

#: Written right after the number, before the unit: "140余项", "100多个".
NUMBER_SUFFIXES: dict[str, str] = {"余": ">=", "多": ">="}

#: Magnitude prefixes of a unit and their factor.
SCALES: dict[str, float] = {"万亿": 1e12, "亿": 1e8, "万": 1e4}

#: Base units that may be written inside a value (longest first when matched).
BASE_UNITS: tuple[str, ...] = (
    "个百分点", "百分点", "%", "‰",
    "平方公里", "平方千米", "平方米", "公顷", "亩", "立方米", "公里", "千米", "米", "km2", "km", "m2",
    "吨", "千瓦", "千瓦时", "兆瓦", "MW", "kW",
    "元", "人次", "人", "户", "套", "个", "条", "片", "座", "家", "所", "张", "辆", "台", "项", "处", "间", "栋",
    "年一遇", "岁", "年", "天", "日", "小时", "分钟", "次", "倍", "床位", "床",
    "Gbps", "Mbps",
    "级",  # "500亿级园区": a park of the 500亿 (output) class
)

#: Dashes and words used between the two ends of a range.
RANGE_SEPARATORS: tuple[str, ...] = ("——", "—", "–", "―", "-", "~", "至", "到")

#: Text meaning "no data" in the plans' tables.
NO_DATA_RE = re.compile(r"^[—–―\-]+$")

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
#: A single Chinese numeral counts as a number only when the whole value reads ("至少设置一所").
CN_DIGITS: dict[str, int] = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_CORE_NUMBER = rf"{_NUMBER}|[{''.join(CN_DIGITS)}]"


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_SCALE_RE = _alternation(SCALES)
_BASE_RE = _alternation(BASE_UNITS)
_DENOM_SCALE_RE = _alternation(list(SCALES) + ["百", "千"])
#: A unit: optional magnitude, optional base unit, optional "/denominator"; at least one part;
#: then an optional note in brackets without digits ("辆(标台)").
_UNIT = (rf"(?:(?:{_SCALE_RE})(?:{_BASE_RE})?|(?:{_BASE_RE}))(?:/(?:{_DENOM_SCALE_RE})?(?:{_BASE_RE}))?"
         r"(?:\([^()\d\[\]]{1,8}\))?")

_CORE_RE = re.compile(
    rf"""^
    (?P<open>\[)?
    (?P<a>{_CORE_NUMBER})
    (?P<numsuf>{_alternation(NUMBER_SUFFIXES)})?
    (?:(?P<sep>{_alternation(RANGE_SEPARATORS)})(?P<b>{_CORE_NUMBER}))?
    (?P<unit1>{_UNIT})?
    (?P<close>\])?
    (?P<unit2>{_UNIT})?
    (?P<suffix>{_alternation(SUFFIXES)})?
    $""",
    re.VERBOSE,
)
_PREFIX_RE = re.compile(rf"^(?:{_alternation(PREFIXES)})")
_DIGIT_RE = re.compile(r"\d")
_CN_DIGIT_RE = re.compile(f"[{''.join(CN_DIGITS)}]")


@dataclass(frozen=True)
class ParsedValue:
    """A target value in structured form.  ``raw`` is always the text as given."""

    raw: str
    lower: float | None = None
    upper: float | None = None
    comparator: str | None = None  # one of COMPARATORS, None when there is no number
    cumulative: bool = False  # [ ] or 累计: a total over the plan period
    annual: bool = False  # 年均增长 …: an average yearly change, not a level
    no_data: bool = False  # ——
    unit_in_value: str | None = None  # e.g. "万", "亿元", "%", "个百分点", "公里/平方公里"
    scale: float = 1.0  # factor of a 万 / 亿 / 万亿 unit prefix
    words: bool = False  # a goal in words (qualitative)
    unknown: bool = False  # could not be read; see ``error``
    error: str | None = None
    strict: bool = False  # 超 / 大于 / 小于: the bound itself is excluded
    aspiration: bool = False  # 力争 / 争取
    qualifiers: tuple[str, ...] = ()  # qualifier words as found, in order

    @property
    def ok(self) -> bool:
        return not self.unknown

    @property
    def is_number(self) -> bool:
        return self.lower is not None or self.upper is not None

    @property
    def lower_scaled(self) -> float | None:
        return None if self.lower is None else self.lower * self.scale

    @property
    def upper_scaled(self) -> float | None:
        return None if self.upper is None else self.upper * self.scale

    def as_dict(self) -> dict:
        """Plain fields (for tables, CSV and JSON output)."""
        return {
            "lower": self.lower, "upper": self.upper, "comparator": self.comparator,
            "cumulative": self.cumulative, "annual": self.annual, "no_data": self.no_data,
            "unit_in_value": self.unit_in_value, "scale": self.scale, "words": self.words,
            "unknown": self.unknown, "error": self.error, "strict": self.strict,
            "aspiration": self.aspiration, "qualifiers": "|".join(self.qualifiers),
        }


def normalise(text: str) -> str:
    """NFKC (full-width digits, ％, ［］, ～ to ASCII) and no whitespace at all."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def numbers_in(text: str) -> list[str]:
    """The numbers written in a text, as strings ("[3.93]" -> ["3.93"]); thousands commas dropped."""
    return [n.replace(",", "") for n in re.findall(_NUMBER, unicodedata.normalize("NFKC", text or ""))]


def _number(text: str) -> float:
    return float(CN_DIGITS[text]) if text in CN_DIGITS else float(text.replace(",", ""))


def _unknown(raw: str, why: str) -> ParsedValue:
    return ParsedValue(raw=raw, unknown=True, error=why)


def _merge(current: str | None, new: str, raw: str) -> str:
    """Combine two comparator votes; ≈ gives way to a bound, other conflicts raise."""
    if current is None or current == new:
        return new
    if current == "≈":
        return new
    if new == "≈":
        return current
    raise ValueError(f"conflicting qualifiers ({current} and {new}) in {raw!r}")


def parse_value(text: str | None, qualitative: bool = False) -> ParsedValue:
    """Parse one value text; see the module docstring for the grammar.

    ``qualitative=True`` (a row of kind ``qualitative``) returns the text as
    ``words``; empty text there is reported as unknown.
    """
    raw = "" if text is None else str(text)
    s = normalise(raw)
    if not s:
        return _unknown(raw, "empty value")
    if qualitative:
        return ParsedValue(raw=raw, words=True)
    if NO_DATA_RE.match(s):
        return ParsedValue(raw=raw, no_data=True, qualifiers=(s,))
    has_digits = bool(_DIGIT_RE.search(s))
    if not has_digits and not _CN_DIGIT_RE.search(s):
        return ParsedValue(raw=raw, words=True)

    qualifiers: list[str] = []
    comparator: str | None = None
    strict = aspiration = annual = cumulative = False
    try:
        while True:
            m = _PREFIX_RE.match(s)
            if not m:
                break
            word = m.group(0)
            role, cmp_, is_strict = PREFIXES[word]
            qualifiers.append(word)
            s = s[m.end():]
            if role in ("cmp", "approx"):
                comparator = _merge(comparator, cmp_, raw)
                strict = strict or is_strict
            elif role == "aspiration":
                aspiration = True
            elif role == "annual":
                annual = True
            elif role == "cumulative":
                cumulative = True

        m = _CORE_RE.match(s)
        if not m:
            if not has_digits:  # a phrase such as "一年初见成效": words, not a number
                return ParsedValue(raw=raw, words=True)
            return _unknown(raw, f"cannot read {s!r}")
        if bool(m.group("open")) != bool(m.group("close")):
            return _unknown(raw, "unbalanced [ ]")
        if m.group("open"):
            cumulative = True
            qualifiers.append("[]")
        if m.group("unit1") and m.group("unit2"):
            return _unknown(raw, "two units")
        unit = m.group("unit1") or m.group("unit2")
        if m.group("numsuf"):
            qualifiers.append(m.group("numsuf"))
            comparator = _merge(comparator, NUMBER_SUFFIXES[m.group("numsuf")], raw)
            strict = True
        if m.group("suffix"):
            qualifiers.append(m.group("suffix"))
            comparator = _merge(comparator, SUFFIXES[m.group("suffix")], raw)
    except ValueError as exc:
        return _unknown(raw, str(exc))

    a = _number(m.group("a"))
    if m.group("b") is not None:
        if m.group("numsuf"):
            return _unknown(raw, "余/多 inside a range")
        b = _number(m.group("b"))
        if b < a:
            return _unknown(raw, f"range {a:g}–{b:g} runs backwards")
        if comparator in (">=", "<="):
            return _unknown(raw, f"a range with a one-sided qualifier in {raw!r}")
        qualifiers.append(m.group("sep"))
        lower, upper, comparator = a, b, "range"
    elif comparator == ">=":
        lower, upper = a, None
    elif comparator == "<=":
        lower, upper = None, a
    else:
        lower = upper = a
        comparator = comparator or "="

    scale = 1.0
    if unit:
        for prefix, factor in sorted(SCALES.items(), key=lambda kv: -len(kv[0])):
            if unit.startswith(prefix):
                scale = factor
                break
    return ParsedValue(
        raw=raw, lower=lower, upper=upper, comparator=comparator, cumulative=cumulative,
        annual=annual, unit_in_value=unit, scale=scale, strict=strict, aspiration=aspiration,
        qualifiers=tuple(qualifiers),
    )


# --------------------------------------------------------------------------- words for the UI

#: Flags as badges: flag -> (zh, en).
FLAG_LABELS: dict[str, tuple[str, str]] = {
    "cumulative": ("累计", "cumulative over the period"),
    "annual": ("年均增长", "average annual growth"),
    "aspiration": ("力争", "aspirational (strive for)"),
    "no_data": ("无数据", "no data"),
    "words": ("定性目标", "goal in words"),
    "unknown": ("无法解析", "unreadable value"),
}

_UNIT_EN: dict[str, str] = {
    "%": "%", "‰": "‰", "个百分点": "percentage points", "百分点": "percentage points",
    "平方公里": "km²", "平方千米": "km²", "平方米": "m²", "公顷": "ha", "亩": "mu", "立方米": "m³",
    "公里": "km", "千米": "km", "米": "m", "km": "km", "km2": "km²", "m2": "m²", "吨": "t",
    "千瓦": "kW", "千瓦时": "kWh", "兆瓦": "MW", "MW": "MW", "kW": "kW", "级": "class",
    "元": "yuan", "人": "people", "人次": "visits", "户": "households",
    "套": "dwellings", "个": "", "条": "", "片": "areas", "座": "", "家": "", "所": "", "张": "",
    "辆": "vehicles", "台": "", "项": "items", "处": "sites", "间": "rooms", "栋": "buildings",
    "年一遇": "-year return period", "岁": "years", "年": "years", "天": "days", "日": "day", "小时": "hours",
    "分钟": "minutes", "次": "times", "倍": "×", "床位": "beds", "床": "beds", "Gbps": "Gbit/s", "Mbps": "Mbit/s",
}
#: Denominators of rate units ("人/万人", "人/亿元") in English.
_DENOMINATOR_EN: dict[str, str] = {
    "万人": "10,000 people", "千人": "1,000 people", "百户": "100 households", "亿元": "100 million yuan",
    "万元": "10,000 yuan", "平方公里": "km²", "平方米": "m²",
}


def _fmt(x: float) -> str:
    """English number: thousands separated (5,500; 0.04)."""
    return f"{x:,.6f}".rstrip("0").rstrip(".") if x != int(x) else f"{int(x):,}"


def _plain(x: float) -> str:
    """Number as Chinese plans write it: no separators (5500; 0.04)."""
    return f"{x:.6f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def _split_unit(unit: str) -> tuple[float, str, str]:
    """'万亿元' -> (1e12, '元', ''), '座/平方公里' -> (1, '座', '平方公里')."""
    num, _, den = unit.partition("/")
    scale = 1.0
    for prefix, factor in sorted(SCALES.items(), key=lambda kv: -len(kv[0])):
        if num.startswith(prefix):
            scale, num = factor, num[len(prefix):]
            break
    return scale, num, den


def _en_amount(x: float, unit: str | None) -> str:
    """A number with its unit in English: 120 亿元 -> '12 billion yuan'."""
    if not unit:
        return _fmt(x)
    note = ""
    m = re.search(r"\(([^()]*)\)$", unit)
    if m:  # "辆(标台)": keep the note as written
        unit, note = unit[: m.start()], f" ({m.group(1)})"
    scale, base, den = _split_unit(unit)
    v = x * scale
    if scale > 1 and v >= 1e12:
        amount = f"{_fmt(v / 1e12)} trillion"
    elif scale > 1 and v >= 1e9:
        amount = f"{_fmt(v / 1e9)} billion"
    elif scale > 1 and v >= 1e6:
        amount = f"{_fmt(v / 1e6)} million"
    else:
        amount = _fmt(v)
    base_en = _UNIT_EN.get(base, base)
    if den:
        den_en = _DENOMINATOR_EN.get(den) or _UNIT_EN.get(den) or den
        text = f"{amount} {base_en}/{den_en}" if base_en else f"{amount} per {den_en}"
    elif base_en in ("%", "‰", "×") or base_en.startswith("-"):
        text = f"{amount}{base_en}"
    else:
        text = f"{amount} {base_en}".rstrip()
    return text + note


def describe(value: ParsedValue | str, lang: str = "zh", unit: str | None = None) -> str:
    """The value in words for the UI.

    zh keeps the plan's own qualifier in brackets ("≥ 8（以上）", "累计 ≥ 33（以上）");
    en says it ("at least 8", "cumulative over the period: at least 33").  ``unit``
    (the row's unit column) is used when the value text carries none.
    """
    p = parse_value(value) if isinstance(value, str) else value
    zh = lang != "en"
    if p.unknown:
        return f"无法解析：{p.raw}" if zh else f"unreadable value: {p.raw}"
    if p.no_data:
        return f"无数据（{p.raw.strip()}）" if zh else "no data"
    if p.words:
        return p.raw.strip()
    u = p.unit_in_value or unit or ""
    if p.unit_in_value in SCALES and unit and unit.startswith(p.unit_in_value):
        u = unit  # "1300万" with unit column "万人" -> 1300 万人

    def word_for(cmps: tuple[str, ...]) -> str:
        found = [q for q in p.qualifiers if (SUFFIXES.get(q) in cmps or NUMBER_SUFFIXES.get(q) in cmps
                                             or (q in PREFIXES and PREFIXES[q][1] in cmps))]
        return "、".join(found)

    if zh:
        if p.comparator == "range":
            core = f"{_plain(p.lower)}–{_plain(p.upper)}{u}"
        else:
            n = p.lower if p.lower is not None else p.upper
            sym = {">=": ">" if p.strict else "≥", "<=": "<" if p.strict else "≤", "≈": "≈", "=": ""}[p.comparator]
            core = f"{sym} {_plain(n)}{u}".strip()
            w = word_for((p.comparator,)) if p.comparator != "=" else ""
            if w:
                core += f"（{w}）"
        parts = [FLAG_LABELS[f][0] for f in ("aspiration", "cumulative", "annual") if getattr(p, f)]
        return " ".join(parts + [core])

    if p.comparator == "range":
        if u and _split_unit(u)[0] > 1:  # "1万—2万人": scale both ends
            core = f"{_en_amount(p.lower, u)} – {_en_amount(p.upper, u)}"
        else:
            core = f"{_fmt(p.lower)}–{_en_amount(p.upper, u)}"
    else:
        n = p.lower if p.lower is not None else p.upper
        lead = {">=": "more than " if p.strict else "at least ", "<=": "less than " if p.strict else "at most ",
                "≈": "about ", "=": ""}[p.comparator]
        core = lead + _en_amount(n, u)
    if p.annual:
        core = f"average annual growth of {core}"
    if p.cumulative:
        core = f"cumulative over the period: {core}"
    if p.aspiration:
        core = f"striving for {core}"
    return core
