"""Plan targets (geodata/targets.csv): loading, the join by region, and the provenance check.

Every row is one target of one plan for one region (an adcode or the feature
id of a thematic layer), with the value text exactly as the plan writes it and
a short verbatim quote from the seed it came from.  See geodata/TARGETS.md.

* :func:`load_targets` reads the table and adds the parsed value fields
  (``lower``, ``upper``, ``comparator``, ``cumulative``, ``annual`` …, see
  :mod:`urbanmap.valueparse`) and the same for the baseline (``baseline_*``).
* :func:`targets_for` returns the targets of one region or feature, optionally
  with those of everything inside it.
* :func:`check` verifies every row against the seeds and returns the problems.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import config
from .valueparse import ParsedValue, describe, normalise, numbers_in, parse_value

COLUMNS: tuple[str, ...] = (
    "target_id", "region_code", "region_name", "category", "indicator", "unit",
    "baseline_year", "baseline_value", "target_year", "target_value", "kind",
    "source", "source_section", "source_quote",
)
REQUIRED: tuple[str, ...] = (
    "target_id", "region_code", "region_name", "category", "indicator", "target_value",
    "kind", "source", "source_section", "source_quote",
)
KINDS: tuple[str, ...] = ("quantitative", "qualitative")
MAX_QUOTE = 60

#: The category vocabulary, in display order, with English names.
CATEGORY_EN: dict[str, str] = {
    "总体目标": "Overall goals",
    "人口与城镇化": "Population and urbanisation",
    "经济发展": "Economic development",
    "城市体系与空间格局": "City system and spatial layout",
    "空间管控": "Spatial control",
    "住房保障": "Housing",
    "城市更新": "Urban renewal",
    "市政基础设施": "Municipal infrastructure",
    "交通": "Transport",
    "公共服务": "Public services",
    "生态环境": "Ecology and environment",
    "城市安全": "Urban safety and resilience",
    "城市治理": "Urban governance",
    "文化与风貌": "Culture and townscape",
    "产业园区": "Industrial parks",
}
CATEGORIES: tuple[str, ...] = tuple(CATEGORY_EN)

#: Feature ids agreed with the thematic layers (region_code of targets about them).
FEATURE_IDS: frozenset[str] = frozenset({
    "yn-kunming-metro", "yn-dianzhong", "yn-border-belt",
    "jl-changchun-metro", "jl-jilin-subcenter", "jl-border-hunchun", "jl-border-linjiang",
    "jl-border-jian", "jl-yanji-changbai-zone",
    "gz-zsn-group", "gz-guikun-corridor", "gz-qianzhong-link",
    "lps-belt", "lps-center-main", "lps-center-liuzhi", "lps-center-panzhou",
    "lps-axis-liuzhi", "lps-axis-panzhou",
    "lps-zone-north", "lps-zone-east", "lps-zone-south", "lps-zone-central",
    "lpscc-axis", "lpscc-belt", "lpscc-main", "lpscc-luofeiga", "lpscc-wangjiazhai-dahe",
    "lpscc-yutang", "lpscc-airport", "lpscc-laoyingshan",
    "cz-blue", "cz-green", "cz-purple", "cz-yellow",
})
#: Demonstration features of a 四线 type: cz-blue-1, cz-green-2 …
_CZ_ITEM_RE = re.compile(r"^cz-(blue|green|purple|yellow)-\d+$")
_ADCODE_RE = re.compile(r"^\d{6}$")
_ID_RE = re.compile(r"^(\d{3})-(\d{3})$")
_YEAR_RE = re.compile(r"^(19|20)\d{2}$")

#: Where a feature id sits, for ``include_children``: the first matching prefix wins.
FEATURE_PARENTS: tuple[tuple[str, str], ...] = (
    ("cz-blue-", "cz-blue"), ("cz-green-", "cz-green"), ("cz-purple-", "cz-purple"), ("cz-yellow-", "cz-yellow"),
    ("lpscc-", "lps-center-main"),
    ("lps-", "520200"),
    ("gz-", "520000"),
    ("yn-", "530000"), ("cz-", "530000"),
    ("jl-", "220000"),
)


# --------------------------------------------------------------------------- loading

def targets_path() -> Path:
    return config.geodata_dir() / "targets.csv"


def read_rows(path: Path | str | None = None) -> tuple[list[str], list[dict[str, str]]]:
    """Header and raw rows (all text, exactly as stored)."""
    with open(path or targets_path(), encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [dict(r) for r in reader]
        return list(reader.fieldnames or []), rows


def _parsed_columns(values: list[str], kinds: list[str], prefix: str) -> dict[str, list]:
    cols: dict[str, list] = {}
    for text, kind in zip(values, kinds):
        if prefix == "baseline_" and not text.strip():
            d = ParsedValue(raw="").as_dict()  # no baseline: all fields empty, not "unknown"
        else:
            d = parse_value(text, qualitative=(kind == "qualitative" and prefix == "")).as_dict()
        for k, v in d.items():
            cols.setdefault(prefix + k, []).append(v)
    return cols


@lru_cache(maxsize=8)
def _load(path: str, token: tuple[int, int]) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    df = df[list(COLUMNS)].copy()
    for col in ("baseline_year", "target_year"):
        df[col] = pd.to_numeric(df[col].replace("", None), errors="coerce").astype("Int64")
    kinds = df["kind"].tolist()
    parsed = _parsed_columns(df["target_value"].tolist(), kinds, "")
    base = _parsed_columns(df["baseline_value"].tolist(), kinds, "baseline_")
    keep_base = ("baseline_lower", "baseline_upper", "baseline_comparator", "baseline_cumulative",
                 "baseline_annual", "baseline_no_data", "baseline_unknown")
    extra = pd.DataFrame({**parsed, **{k: base[k] for k in keep_base}}, index=df.index)
    for col in ("lower", "upper", "scale", "baseline_lower", "baseline_upper"):
        extra[col] = pd.to_numeric(extra[col], errors="coerce").astype("float64")
    out = pd.concat([df, extra], axis=1)
    out["category_en"] = out["category"].map(CATEGORY_EN)
    return out


def load_targets(path: Path | str | None = None) -> pd.DataFrame:
    """The targets table with parsed fields; a fresh copy each call (cached on file change).

    Text columns stay text (adcodes keep their digits); years are nullable
    integers; ``lower``/``upper`` are floats (NaN when absent).
    """
    p = Path(path or targets_path())
    st = p.stat()
    return _load(str(p), (st.st_mtime_ns, st.st_size)).copy()


# --------------------------------------------------------------------------- the join

def parent_of(code: str) -> str | None:
    """The unit or feature a region code sits in (county -> prefecture -> province;
    ``lpscc-*`` -> ``lps-center-main`` -> 520200 …); None at the top."""
    code = str(code)
    if _ADCODE_RE.match(code):
        if code.endswith("0000"):
            return None
        if code.endswith("00"):
            return code[:2] + "0000"
        return code[:4] + "00"
    for prefix, parent in FEATURE_PARENTS:
        if code.startswith(prefix) and code != parent:
            return parent
    return None


def ancestors(code: str) -> list[str]:
    """Every region that contains ``code``, nearest first."""
    out, cur = [], parent_of(code)
    while cur is not None and cur not in out:
        out.append(cur)
        cur = parent_of(cur)
    return out


def targets_for(code: str, include_children: bool = False, df: pd.DataFrame | None = None) -> pd.DataFrame:
    """All targets about one region (adcode) or feature id, in target_id order.

    ``include_children=True`` adds the targets of everything inside it (for a
    province: its prefectures, counties and the thematic features placed in it;
    for 520200: the 三心/两轴/四区 features and the central-city parts).
    """
    df = load_targets() if df is None else df
    code = str(code).strip()
    if include_children:
        mask = df["region_code"].map(lambda rc: rc == code or code in ancestors(rc))
    else:
        mask = df["region_code"] == code
    return df[mask].sort_values("target_id").reset_index(drop=True)


def regions(df: pd.DataFrame | None = None) -> pd.DataFrame:
    """region_code, region_name and the number of targets, most first."""
    df = load_targets() if df is None else df
    g = df.groupby(["region_code", "region_name"], sort=False).size().reset_index(name="targets")
    return g.sort_values(["targets", "region_code"], ascending=[False, True]).reset_index(drop=True)


def value_in_words(row, lang: str = "zh", field: str = "target") -> str:
    """The target (or ``field="baseline"``) value of one row in words, e.g. "≥ 8（以上）" / "at least 8"."""
    text = row["target_value"] if field == "target" else row["baseline_value"]
    if field == "baseline" and not str(text).strip():
        return ""
    qualitative = field == "target" and row["kind"] == "qualitative"
    return describe(parse_value(text, qualitative=qualitative), lang=lang, unit=row.get("unit") or None)


# --------------------------------------------------------------------------- the check

@dataclass(frozen=True)
class Problem:
    target_id: str
    field: str
    message: str
    severity: str = "error"  # "error" fails the check; "warning" is reported only

    def __str__(self) -> str:
        return f"{self.severity.upper():7} {self.target_id:9} {self.field}: {self.message}"


def compact(text: str) -> str:
    """Whitespace removed: how quotes are compared with the seed."""
    return re.sub(r"\s+", "", text or "")


def compact_cells(text: str) -> str:
    """Whitespace and table-cell separators removed (003's tables: one cell per line, "|" between)."""
    return re.sub(r"[\s|]+", "", text or "")


class _Seed:
    def __init__(self, path: Path):
        text = path.read_text(encoding="utf-8")
        self.compact = compact(text)
        self.cells = compact_cells(text)

    def contains(self, quote: str) -> bool:
        return compact(quote) in self.compact or compact_cells(quote) in self.cells


def _number_in(num: str, text: str) -> bool:
    """``num`` occurs in ``text`` as a whole number (33 is not in 133 or 33.5)."""
    return re.search(rf"(?<![\d.]){re.escape(num)}(?!\.?\d)", text) is not None


def _admin_names() -> dict[str, str]:
    from .admin import all_units  # geopandas: only needed by the check

    units = all_units()
    return dict(zip(units["adcode"].astype(str), units["name"]))


def check(seeds_dir: Path | str | None = None, path: Path | str | None = None) -> list[Problem]:
    """Verify every row; returns the problems (empty list: all good).

    Errors: header and columns; required fields; id format, uniqueness and
    seed prefix; category, kind, years; region_code an existing adcode or an
    agreed feature id; ``source`` an existing seed; quote at most 60 characters
    and found verbatim in the seed (whitespace-normalised, and also with 003's
    "|" cell separators collapsed); quantitative values parse to a number and
    every number of ``target_value`` occurs in the quote; baselines parse.
    Warnings: region_name differs from the admin name; the value text itself
    is not in the quote (quantitative) or not in the seed (qualitative); a
    baseline number missing from the quote; duplicate rows.
    """
    seeds = Path(seeds_dir) if seeds_dir else config.seeds_dir()
    problems: list[Problem] = []
    header, rows = read_rows(path)
    if tuple(header) != COLUMNS:
        problems.append(Problem("-", "header", f"columns must be {','.join(COLUMNS)}; found {','.join(header)}"))
        if not set(COLUMNS) <= set(header):
            return problems

    names = _admin_names()
    seed_cache: dict[str, _Seed | None] = {}
    seen_ids: dict[str, int] = {}
    seen_rows: dict[tuple, str] = {}

    for n, row in enumerate(rows, start=2):
        row = {k: (v or "") for k, v in row.items() if k is not None}
        tid = row.get("target_id", "").strip() or f"line {n}"

        def err(field: str, msg: str, severity: str = "error") -> None:
            problems.append(Problem(tid, field, msg, severity))

        for f in REQUIRED:
            if not row.get(f, "").strip():
                err(f, "empty")
        m = _ID_RE.match(row["target_id"])
        if row["target_id"] and not m:
            err("target_id", f"{row['target_id']!r} is not NNN-NNN")
        if row["target_id"] in seen_ids:
            err("target_id", f"duplicate (also on line {seen_ids[row['target_id']]})")
        seen_ids.setdefault(row["target_id"], n)
        if m and row["source"] and not row["source"].startswith(m.group(1) + "_"):
            err("target_id", f"prefix {m.group(1)} does not match source {row['source']}")
        if row["category"] and row["category"] not in CATEGORY_EN:
            err("category", f"{row['category']!r} is not in the vocabulary")
        if row["kind"] and row["kind"] not in KINDS:
            err("kind", f"{row['kind']!r} is not one of {', '.join(KINDS)}")
        for f in ("baseline_year", "target_year"):
            if row[f] and not _YEAR_RE.match(row[f]):
                err(f, f"{row[f]!r} is not a 4-digit year")

        rc = row["region_code"]
        if _ADCODE_RE.match(rc):
            if rc not in names:
                err("region_code", f"adcode {rc} is not in geodata/admin")
            elif row["region_name"] and row["region_name"] != names[rc]:
                err("region_name", f"{row['region_name']!r} differs from the admin name {names[rc]!r}", "warning")
        elif rc and rc not in FEATURE_IDS and not _CZ_ITEM_RE.match(rc):
            err("region_code", f"{rc!r} is neither an adcode nor an agreed feature id")

        # provenance
        quote = row["source_quote"]
        if len(re.sub(r"\s+", " ", quote.strip())) > MAX_QUOTE:
            err("source_quote", f"longer than {MAX_QUOTE} characters")
        seed = None
        if row["source"]:
            if row["source"] not in seed_cache:
                p = seeds / row["source"]
                seed_cache[row["source"]] = _Seed(p) if p.is_file() and p.name == row["source"] else None
            seed = seed_cache[row["source"]]
            if seed is None:
                err("source", f"no seed named {row['source']!r} in {seeds}")
        if seed is not None and quote and not seed.contains(quote):
            err("source_quote", "not found verbatim in the seed")

        # values
        value = row["target_value"]
        qnorm = normalise(quote)
        if row["kind"] == "quantitative" and value:
            pv = parse_value(value)
            if pv.unknown:
                err("target_value", f"cannot parse {value!r}: {pv.error}")
            elif pv.words or pv.no_data:
                err("target_value", f"{value!r} has no number (use kind=qualitative for goals in words)")
            else:
                written = numbers_in(value)
                missing = [x for x in written if not _number_in(x, qnorm)]
                if not written and compact_cells(normalise(value)) not in compact_cells(qnorm):
                    err("target_value", f"{value!r} (a number in words) is not in the quote")
                elif missing:
                    err("target_value", f"number {', '.join(missing)} of {value!r} is not in the quote")
                elif compact_cells(normalise(value)) not in compact_cells(qnorm):
                    err("target_value", f"{value!r} is not written like this in the quote", "warning")
        elif row["kind"] == "qualitative" and value and seed is not None and not seed.contains(value):
            err("target_value", "goal text not found verbatim in the seed", "warning")
        base = row["baseline_value"]
        if base.strip():
            bv = parse_value(base)
            if bv.unknown:
                err("baseline_value", f"cannot parse {base!r}: {bv.error}")
            elif [x for x in numbers_in(base) if not _number_in(x, qnorm)]:
                err("baseline_value", f"number of {base!r} is not in the quote", "warning")

        key = (rc, row["indicator"], row["target_year"], value)
        if key in seen_rows:
            err("indicator", f"same region, indicator, year and value as {seen_rows[key]}", "warning")
        seen_rows.setdefault(key, tid)
    return problems


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]
