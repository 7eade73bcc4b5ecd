"""Tables of targets as people read them (localised headers, values in words, sources).

Pure pandas: the pages show these with ``st.dataframe`` and offer them as
CSV/Excel downloads; tests read them directly.
"""

from __future__ import annotations

import io

import pandas as pd

from . import targets

_HEAD = {
    "target_id": ("编号", "ID"),
    "region_name": ("区域", "Region"),
    "category": ("类别", "Category"),
    "indicator": ("指标", "Indicator"),
    "unit": ("单位", "Unit"),
    "baseline": ("基期值", "Baseline"),
    "target": ("目标值", "Target"),
    "target_year": ("目标年", "Year"),
    "in_words": ("含义", "Meaning"),
    "kind": ("类型", "Kind"),
    "source": ("来源", "Source"),
    "source_quote": ("原文摘录", "Quote"),
}
_KIND = {"quantitative": ("数值", "quantitative"), "qualitative": ("文字", "qualitative")}


def header(key: str, lang: str) -> str:
    zh, en = _HEAD[key]
    return en if lang == "en" else zh


def seed_label(source: str, section: str) -> str:
    """"003 · 专栏1 第2项" — the seed's number and the section."""
    prefix = str(source).split("_", 1)[0]
    return f"{prefix} · {section}" if section else prefix


def _baseline(row) -> str:
    val = str(row["baseline_value"] or "")
    if not val:
        return ""
    year = row["baseline_year"]
    return f"{val}（{int(year)}）" if not pd.isna(year) else val


def readable(df: pd.DataFrame, lang: str = "zh", *, with_region: bool = False, with_category: bool = False) -> pd.DataFrame:
    """One row per target: indicator, baseline → target, unit, year, meaning, source and quote."""
    cols = ["target_id"] + (["region_name"] if with_region else []) + (["category"] if with_category else []) + [
        "indicator", "unit", "baseline", "target", "target_year", "in_words", "kind", "source", "source_quote"]
    if df.empty:
        return pd.DataFrame(columns=[header(c, lang) for c in cols])
    out = pd.DataFrame({
        "target_id": df["target_id"],
        "region_name": df["region_name"],
        "category": df["category_en"].fillna(df["category"]) if lang == "en" else df["category"],
        "indicator": df["indicator"],
        "unit": df["unit"],
        "baseline": [_baseline(r) for _, r in df.iterrows()],
        "target": df["target_value"],
        "target_year": df["target_year"].astype("Int64"),
        "in_words": [targets.value_in_words(r, lang) for _, r in df.iterrows()],
        "kind": [(_KIND.get(k, (k, k))[1 if lang == "en" else 0]) for k in df["kind"]],
        "source": [seed_label(s, sec) for s, sec in zip(df["source"], df["source_section"])],
        "source_quote": df["source_quote"],
    })[cols]
    out.columns = [header(c, lang) for c in cols]
    return out.reset_index(drop=True)


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with BOM so Excel opens Chinese text correctly."""
    return df.to_csv(index=False).encode("utf-8-sig")


def to_excel_bytes(df: pd.DataFrame, sheet: str = "targets") -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        df.to_excel(xw, index=False, sheet_name=sheet[:31])
        ws = xw.sheets[sheet[:31]]
        for col in ws.columns:  # readable column widths
            width = max(len(str(c.value or "")) for c in col[:200])
            ws.column_dimensions[col[0].column_letter].width = min(60, max(8, width * 1.6))
    return buf.getvalue()


def filter_targets(
    df: pd.DataFrame, *, regions=None, categories=None, years=None, kinds=None, text: str = "",
) -> pd.DataFrame:
    """Rows matching every given filter (None/empty = no filter on that column)."""
    mask = pd.Series(True, index=df.index)
    if regions:
        mask &= df["region_code"].isin(list(regions))
    if categories:
        mask &= df["category"].isin(list(categories))
    if years:
        mask &= df["target_year"].isin([int(y) for y in years])
    if kinds:
        mask &= df["kind"].isin(list(kinds))
    if text and text.strip():
        q = text.strip().lower()
        hay = (df["indicator"] + " " + df["region_name"] + " " + df["target_value"] + " " + df["source_quote"]).str.lower()
        mask &= hay.str.contains(q, regex=False)
    return df[mask]


def district_rows(df: pd.DataFrame, section_contains: str = "专栏6") -> pd.DataFrame:
    """Per-district rows of a table section (003 专栏6 by default)."""
    return df[df["source"].str.startswith("003") & df["source_section"].str.contains(section_contains, regex=False)
              & df["region_code"].str.fullmatch(r"5202\d\d") & (df["region_code"] != "520200")]
