"""Presenter tours (geodata/tours.yaml): schema, loading, validation, saving.

A tour walks a meeting through regions one stop at a time.  Each stop names
what to frame (feature ids and/or a bounding box), the layers shown, the
features highlighted, 3–5 key figures and an optional chart — both only as
``target_id``s of geodata/targets.csv, never as typed-in numbers — and
speaker notes (markdown, zh/en).

* :func:`load_tours` reads the repository's tours and the staff-edited ones
  (``tours.yaml`` in the data directory, same id = staff version wins) and
  validates both; a problem raises :class:`TourValidationError` naming the
  tour, the stop (number and title) and the field.
* :func:`save_tours` takes uploaded/edited YAML from a staff account (role
  re-checked against the user database), validates it against everything
  else, and only then replaces the data-directory file atomically.
* :func:`figures` / :func:`stop_chart` turn a stop's ids into what a card or
  a chart shows (the plan's own value text, unit, year and source).
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from . import config
from .i18n import LANGS, t
from .usererror import UserFacingError

TOURS_FILE = "tours.yaml"
#: how many key figures a stop shows
MIN_FIGURES, MAX_FIGURES = 3, 5
#: uploads larger than this are refused before parsing
MAX_YAML_BYTES = 512 * 1024
CHART_TYPES = ("compare", "baseline_vs_target", "by_year", "milestones")
TOUR_KEYS = {"id", "title", "summary", "stops"}
STOP_KEYS = {"title", "frame", "bbox", "layers", "highlight", "figures", "chart", "notes"}
CHART_KEYS = {"type", "targets", "title"}
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{2,48}$")
_NUM_RE = re.compile(r"\d+(?:\.\d+)?")


# --------------------------------------------------------------------------- errors

@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field of one tour (or stop)."""

    tour: str
    field: str
    zh: str
    en: str
    stop: int | None = None  # 1-based
    stop_title: str = ""

    def message(self, lang: str = "zh") -> str:
        text = self.en if lang == "en" else self.zh
        if self.stop is None:
            return t("tour.err.where_tour", lang, tour=self.tour, field=self.field, problem=text)
        return t("tour.err.where_stop", lang, tour=self.tour, n=self.stop, title=self.stop_title or "—",
                 field=self.field, problem=text)

    def __str__(self) -> str:
        return self.message("en")


class TourError(UserFacingError):
    code = "tour_error"
    zh = "导览操作失败。"
    en = "The tour operation failed."


class TourValidationError(TourError):
    """One or more tours are invalid; ``problems`` lists them, the message names the first."""

    code = "tour_invalid"

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        first = self.problems[0]
        more_zh = f"（另有 {len(self.problems) - 1} 处问题）" if len(self.problems) > 1 else ""
        more_en = f" ({len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
        super().__init__("; ".join(str(p) for p in self.problems),
                         zh=first.message("zh") + more_zh, en=first.message("en") + more_en)


class TourYAMLError(TourError):
    code = "tour_yaml"
    zh = "导览文件不是有效的 YAML。"
    en = "The tours file is not valid YAML."


class TourPermissionError(TourError):
    code = "permission_denied"
    zh = "只有工作人员账户可以编辑导览，请先登录。"
    en = "Only staff accounts can edit tours; please log in."


class UnknownTour(TourError):
    code = "tour_unknown"

    def __init__(self, tour_id: str):
        super().__init__(f"unknown tour {tour_id!r}", zh=t("tour.err.unknown", "zh", id=tour_id),
                         en=t("tour.err.unknown", "en", id=tour_id))


# --------------------------------------------------------------------------- model

def _text(d: dict | None, lang: str) -> str:
    d = d or {}
    return str(d.get(lang) or d.get("zh") or "")


@dataclass(frozen=True)
class Chart:
    type: str
    targets: tuple[str, ...]
    title_: dict = field(default_factory=dict)

    def title(self, lang: str) -> str:
        return _text(self.title_, lang)


@dataclass(frozen=True)
class Stop:
    title_: dict
    frame: tuple[str, ...]
    bbox: tuple[float, float, float, float] | None
    layers: tuple[str, ...]
    highlight: tuple[str, ...]
    figures: tuple[str, ...]
    chart: Chart | None
    notes_: dict

    def title(self, lang: str) -> str:
        return _text(self.title_, lang)

    def notes(self, lang: str) -> str:
        return _text(self.notes_, lang)

    def bounds(self) -> tuple[float, float, float, float]:
        """(south, west, north, east) framing the stop: its features and bbox, padded."""
        from . import features

        boxes = []
        for fid in self.frame:
            f = features.lookup(fid)
            if f:
                minx, miny, maxx, maxy = f["bounds"]
                boxes.append((miny, minx, maxy, maxx))
        if self.bbox:
            boxes.append(self.bbox)
        s, w = min(b[0] for b in boxes), min(b[1] for b in boxes)
        n, e = max(b[2] for b in boxes), max(b[3] for b in boxes)
        pad_y = max((n - s) * 0.08, 0.03)
        pad_x = max((e - w) * 0.08, 0.03)
        return (s - pad_y, w - pad_x, n + pad_y, e + pad_x)


@dataclass(frozen=True)
class Tour:
    id: str
    title_: dict
    summary_: dict
    stops: tuple[Stop, ...]
    origin: str = "repo"  # "repo" (geodata/tours.yaml) or "staff" (data directory)
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    def title(self, lang: str) -> str:
        return _text(self.title_, lang)

    def summary(self, lang: str) -> str:
        return _text(self.summary_, lang)

    def stop(self, n: int) -> Stop:
        """Stop ``n`` (1-based), clamped to the tour."""
        return self.stops[clamp_step(n, len(self.stops)) - 1]

    def target_ids(self) -> list[str]:
        out: list[str] = []
        for s in self.stops:
            out += list(s.figures) + (list(s.chart.targets) if s.chart else [])
        return list(dict.fromkeys(out))

    def has_chart(self) -> bool:
        return any(s.chart for s in self.stops)


def clamp_step(step, n_stops: int) -> int:
    """A step number from a URL (any text) as 1..n_stops."""
    try:
        k = int(str(step).strip())
    except (TypeError, ValueError):
        k = 1
    return max(1, min(n_stops, k))


# --------------------------------------------------------------------------- validation

class _Checker:
    def __init__(self, target_df: pd.DataFrame):
        from . import features
        from .layers import load_manifest

        self.targets = target_df.set_index("target_id", drop=False)
        self.feature_ids = set(features.index().index)
        self.layer_ids = {s.id for s in load_manifest()}
        self.problems: list[Problem] = []

    def add(self, tour, field_, zh, en, stop=None, stop_title=""):
        self.problems.append(Problem(tour, field_, zh, en, stop, stop_title))

    # -- helpers
    def _bilingual(self, value, where, field_, *, required=True, **at):
        if value is None and not required:
            return
        if not isinstance(value, dict) or not all(isinstance(value.get(lang), str) and value.get(lang).strip() for lang in LANGS):
            self.add(where, field_, "须为含 zh 和 en 两种文字的映射，如 {zh: …, en: …}",
                     "must be a mapping with both zh and en text, e.g. {zh: …, en: …}", **at)

    def _ids(self, value, where, field_, known, kind_zh, kind_en, *, allow_empty=True, **at) -> list[str]:
        if value is None:
            value = []
        if not isinstance(value, list):
            self.add(where, field_, f"须为{kind_zh}列表", f"must be a list of {kind_en}", **at)
            return []
        if not value and not allow_empty:
            self.add(where, field_, f"不能为空，至少列出一个{kind_zh}", f"must list at least one {kind_en[:-1] if kind_en.endswith('s') else kind_en}", **at)
        out = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, str):
                self.add(where, field_, f"“{item}”不是{kind_zh}（须为字符串编号，不能直接填写数字）",
                         f"{item!r} is not one of the {kind_en} (must be an id string, not a typed-in number)", **at)
                continue
            if item not in known:
                self.add(where, field_, f"未知的{kind_zh}“{item}”", f"unknown {kind_en[:-1] if kind_en.endswith('s') else kind_en} {item!r}", **at)
                continue
            if item in out:
                self.add(where, field_, f"“{item}”重复", f"{item!r} is listed twice", **at)
                continue
            out.append(item)
        return out

    def _numbers_traceable(self, text: str, ids: list[str], where, field_, **at):
        """Every Arabic number in ``text`` must occur in the value, year or quote of the stop's targets."""
        allowed = ""
        for tid in ids:
            if tid in self.targets.index:
                r = self.targets.loc[tid]
                allowed += " ".join(str(r[c]) for c in ("target_value", "baseline_value", "source_quote", "source_section"))
                allowed += " " + str(r["source"]).split("_", 1)[0]  # "种子 003": the seed's number
                for c in ("target_year", "baseline_year"):
                    if not pd.isna(r[c]):
                        allowed += f" {int(r[c])}"
        have = set(_NUM_RE.findall(allowed))
        bad = [n for n in _NUM_RE.findall(text or "") if n not in have]
        if bad:
            nums = "、".join(dict.fromkeys(bad))
            self.add(where, field_, f"数字 {nums} 不在本站任何指标（目标值、年份或原文摘录）中；数字请通过 figures 引用 targets.csv 的目标编号",
                     f"the number(s) {', '.join(dict.fromkeys(bad))} appear in none of this stop's targets (value, year or quote); "
                     "reference targets.csv ids in figures instead of typing numbers", **at)

    # -- the schema
    def tour(self, raw, index: int) -> None:
        where = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else f"#{index + 1}"
        if isinstance(raw, dict) and isinstance(raw.get("title"), dict) and raw["title"].get("zh"):
            where = f"{raw['title']['zh']}（{where}）"
        if not isinstance(raw, dict):
            self.add(where, "-", "每个导览须为映射（id、title、stops）", "each tour must be a mapping (id, title, stops)")
            return
        unknown = sorted(set(raw) - TOUR_KEYS)
        if unknown:
            self.add(where, ", ".join(unknown), f"未知字段（允许：{'、'.join(sorted(TOUR_KEYS))}）",
                     f"unknown field (allowed: {', '.join(sorted(TOUR_KEYS))})")
        tid = raw.get("id")
        if not isinstance(tid, str) or not _ID_RE.match(tid):
            self.add(where, "id", "编号须为 3–49 个小写字母、数字或连字符，如 yunnan-city-system",
                     "the id must be 3–49 lowercase letters, digits or hyphens, e.g. yunnan-city-system")
        self._bilingual(raw.get("title"), where, "title")
        self._bilingual(raw.get("summary"), where, "summary", required=False)
        stops = raw.get("stops")
        if not isinstance(stops, list) or not stops:
            self.add(where, "stops", "导览至少需要一站", "a tour needs at least one stop")
            return
        for n, s in enumerate(stops, start=1):
            self.stop(s, where, n)

    def stop(self, raw, where: str, n: int) -> None:
        title = raw.get("title") if isinstance(raw, dict) else None
        at = {"stop": n, "stop_title": (title.get("zh") or title.get("en") or "") if isinstance(title, dict) else str(title or "")}
        if not isinstance(raw, dict):
            self.add(where, "-", "每一站须为映射", "each stop must be a mapping", **at)
            return
        unknown = sorted(set(raw) - STOP_KEYS)
        if unknown:
            self.add(where, ", ".join(unknown), f"未知字段（允许：{'、'.join(sorted(STOP_KEYS))}）",
                     f"unknown field (allowed: {', '.join(sorted(STOP_KEYS))})", **at)
        self._bilingual(raw.get("title"), where, "title", **at)
        frame = self._ids(raw.get("frame"), where, "frame", self.feature_ids, "要素编号", "feature ids", **at)
        bbox = raw.get("bbox")
        if bbox is not None:
            ok = (isinstance(bbox, list) and len(bbox) == 4
                  and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in bbox))
            if ok:
                s_, w_, n_, e_ = bbox
                ok = -90 <= s_ < n_ <= 90 and -180 <= w_ < e_ <= 180
            if not ok:
                self.add(where, "bbox", "须为 [南, 西, 北, 东] 四个经纬度，且南<北、西<东",
                         "must be [south, west, north, east] in degrees with south < north and west < east", **at)
        if not frame and bbox is None and not raw.get("frame"):
            self.add(where, "frame", "须给出要框选的要素（frame）或范围（bbox）",
                     "give the feature(s) to frame (frame) or a bounding box (bbox)", **at)
        self._ids(raw.get("layers"), where, "layers", self.layer_ids, "图层编号", "layer ids", allow_empty=False, **at)
        self._ids(raw.get("highlight"), where, "highlight", self.feature_ids, "要素编号", "feature ids", **at)
        figs = raw.get("figures")
        ids = self._ids(figs, where, "figures", set(self.targets.index), "目标编号", "target ids", **at)
        if isinstance(figs, list) and not (MIN_FIGURES <= len(figs) <= MAX_FIGURES):
            self.add(where, "figures", f"须列出 {MIN_FIGURES}–{MAX_FIGURES} 个关键指标（现有 {len(figs)} 个）",
                     f"must list {MIN_FIGURES}–{MAX_FIGURES} key figures (found {len(figs)})", **at)
        chart = raw.get("chart")
        chart_ids: list[str] = []
        if chart is not None:
            if not isinstance(chart, dict):
                self.add(where, "chart", "须为映射（type、targets）", "must be a mapping (type, targets)", **at)
            else:
                extra = sorted(set(chart) - CHART_KEYS)
                if extra:
                    self.add(where, "chart." + ", ".join(extra), "未知字段", "unknown field", **at)
                if chart.get("type") not in CHART_TYPES:
                    self.add(where, "chart.type", f"须为 {'、'.join(CHART_TYPES)} 之一",
                             f"must be one of {', '.join(CHART_TYPES)}", **at)
                chart_ids = self._ids(chart.get("targets"), where, "chart.targets", set(self.targets.index),
                                      "目标编号", "target ids", allow_empty=False, **at)
                self._bilingual(chart.get("title"), where, "chart.title", required=False, **at)
                kind = chart.get("type")
                if kind in ("by_year", "compare") and chart_ids:
                    units = set(self.targets.loc[chart_ids, "unit"])
                    if len(units) > 1:
                        self.add(where, "chart.targets", f"{kind} 图的目标须为同一单位（现有：{'、'.join(sorted(units))}）",
                                 f"a {kind} chart needs targets of one unit (found: {', '.join(sorted(units))})", **at)
                if kind == "compare" and chart_ids:
                    qual = [i for i in chart_ids if self.targets.loc[i, "kind"] != "quantitative"]
                    if qual:
                        self.add(where, "chart.targets", f"compare 图只能比较数值目标（{'、'.join(qual)} 是定性目标）",
                                 f"a compare chart takes quantitative targets only ({', '.join(qual)} are goals in words)", **at)
        notes = raw.get("notes")
        self._bilingual(notes, where, "notes", required=False, **at)
        traced = ids + chart_ids
        for key in ("title", "notes"):
            value = raw.get(key)
            if isinstance(value, dict):
                for lang in LANGS:
                    if isinstance(value.get(lang), str):
                        self._numbers_traceable(value[lang], traced, where, f"{key}.{lang}", **at)


def validate(tours_raw, target_df: pd.DataFrame | None = None, *, taken: dict[str, str] | None = None) -> list[Problem]:
    """All problems of a list of raw tour mappings (empty list: valid).

    ``taken`` maps ids already used elsewhere to where; a repeated id within
    ``tours_raw`` is a problem (the same id in another file is an override).
    """
    from .targets import load_targets

    chk = _Checker(load_targets() if target_df is None else target_df)
    if not isinstance(tours_raw, list) or not tours_raw:
        chk.add("-", "tours", "文件须含非空的 tours 列表", "the file must hold a non-empty 'tours' list")
        return chk.problems
    seen: set[str] = set()
    for i, raw in enumerate(tours_raw):
        chk.tour(raw, i)
        tid = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(tid, str):
            if tid in seen:
                chk.add(tid, "id", "编号重复", "duplicate id")
            seen.add(tid)
    return chk.problems


def _build(raw: dict, origin: str) -> Tour:
    stops = []
    for s in raw["stops"]:
        c = s.get("chart")
        stops.append(Stop(
            title_=dict(s["title"]), frame=tuple(s.get("frame") or ()),
            bbox=tuple(float(v) for v in s["bbox"]) if s.get("bbox") else None,
            layers=tuple(s["layers"]), highlight=tuple(s.get("highlight") or ()),
            figures=tuple(s["figures"]),
            chart=Chart(c["type"], tuple(c["targets"]), dict(c.get("title") or {})) if c else None,
            notes_=dict(s.get("notes") or {}),
        ))
    return Tour(id=raw["id"], title_=dict(raw["title"]), summary_=dict(raw.get("summary") or {}),
                stops=tuple(stops), origin=origin, raw=raw)


def parse_yaml(text: str | bytes) -> list:
    """The raw tour list of a tours YAML text (``tours: [...]``, a list, or one tour)."""
    if isinstance(text, bytes):
        if len(text) > MAX_YAML_BYTES:
            raise TourYAMLError(f"{len(text)} bytes", zh=f"文件过大（最大 {MAX_YAML_BYTES // 1024} KB）。",
                                en=f"The file is too large ({MAX_YAML_BYTES // 1024} KB at most).")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TourYAMLError(str(exc), zh="文件须为 UTF-8 编码的文本。", en="The file must be UTF-8 text.") from None
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        raise TourYAMLError("too large", zh=f"文件过大（最大 {MAX_YAML_BYTES // 1024} KB）。",
                            en=f"The file is too large ({MAX_YAML_BYTES // 1024} KB at most).")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"{mark.line + 1}" if mark is not None else "?"
        raise TourYAMLError(str(exc), zh=f"导览文件不是有效的 YAML（第 {line} 行附近）。",
                            en=f"The tours file is not valid YAML (near line {line}).") from None
    if isinstance(data, dict) and "tours" in data:
        data = data["tours"]
    elif isinstance(data, dict) and "stops" in data:
        data = [data]
    return data


# --------------------------------------------------------------------------- loading

def repo_path() -> Path:
    return config.geodata_dir() / TOURS_FILE


def staff_path(data_dir: Path | None = None) -> Path:
    return Path(data_dir or config.data_dir()) / TOURS_FILE


def _stamp(p: Path) -> tuple[int, int] | None:
    try:
        st = p.stat()
        return (st.st_mtime_ns, st.st_size)
    except OSError:
        return None


def _targets_stamp() -> tuple:
    from .targets import targets_path

    return (str(targets_path()), _stamp(targets_path()))


@lru_cache(maxsize=8)
def _load(repo: str, repo_stamp, staff: str, staff_stamp, targets_stamp) -> tuple[Tour, ...]:
    repo_raw = parse_yaml(Path(repo).read_text(encoding="utf-8"))
    problems = validate(repo_raw)
    if problems:
        raise TourValidationError(problems)
    out = {r["id"]: _build(r, "repo") for r in repo_raw}
    if staff_stamp is not None:
        staff_raw = parse_yaml(Path(staff).read_text(encoding="utf-8"))
        problems = validate(staff_raw)
        if problems:
            raise TourValidationError(problems)
        for r in staff_raw:
            out[r["id"]] = _build(r, "staff")
    return tuple(out.values())


def load_tours(data_dir: Path | None = None) -> dict[str, Tour]:
    """Every tour by id, in file order (staff-edited versions replace repository ones)."""
    repo, staff = repo_path(), staff_path(data_dir)
    return {tr.id: tr for tr in _load(str(repo), _stamp(repo), str(staff), _stamp(staff), _targets_stamp())}


def get_tour(tour_id: str, data_dir: Path | None = None) -> Tour:
    tours = load_tours(data_dir)
    if tour_id not in tours:
        raise UnknownTour(tour_id)
    return tours[tour_id]


# --------------------------------------------------------------------------- saving

def _staff_raw(data_dir: Path | None) -> list[dict]:
    p = staff_path(data_dir)
    if not p.exists():
        return []
    data = parse_yaml(p.read_text(encoding="utf-8"))
    return list(data or [])


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tours-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def dump_yaml(tours_raw: list[dict]) -> str:
    return yaml.safe_dump({"tours": tours_raw}, allow_unicode=True, sort_keys=False, width=120)


def tour_yaml(tour: Tour) -> str:
    """One tour as editable YAML (what the edit form starts from)."""
    return dump_yaml([tour.raw])


def save_tours(text: str | bytes, actor, *, data_dir: Path | None = None) -> list[Tour]:
    """Add or replace tours from YAML text on behalf of ``actor`` (a logged-in staff account).

    The role is re-checked against the user database; the YAML is validated
    on its own and together with every existing tour; only then is the data
    directory's tours.yaml replaced atomically.  Any failure leaves every
    file untouched and raises a :class:`TourError`.
    """
    from . import auth

    account = auth.Users(data_dir).resolve(actor)
    if account is None or not account.has(auth.Role.STAFF):
        raise TourPermissionError(f"actor {getattr(actor, 'name', actor)!r} may not edit tours")
    new = parse_yaml(text)
    problems = validate(new)
    if problems:
        raise TourValidationError(problems)
    merged = {r["id"]: r for r in _staff_raw(data_dir)}
    for r in new:
        merged[r["id"]] = r
    all_raw = list(merged.values())
    problems = validate(all_raw)
    if problems:
        raise TourValidationError(problems)
    _atomic_write(staff_path(data_dir), dump_yaml(all_raw))
    return [_build(r, "staff") for r in new]


# --------------------------------------------------------------------------- what stops show

@dataclass(frozen=True)
class Figure:
    """A key figure as a card shows it: the plan's own words and where they come from."""

    target_id: str
    label: str  # indicator
    region: str
    value: str  # exactly as the plan writes it
    unit: str
    unit_in_value: bool
    year: int | None
    kind: str
    in_words: str
    seed: str  # file name
    section: str
    quote: str

    @property
    def heading(self) -> str:
        """"盘州市 · 常住人口城镇化率"; just the indicator when it already names the region."""
        return self.label if self.region and self.region in self.label else f"{self.region} · {self.label}"

    @property
    def source_label(self) -> str:
        prefix = self.seed.split("_", 1)[0]
        return f"{prefix} · {self.section}" if self.section else prefix


def figures(ids, lang: str = "zh", df: pd.DataFrame | None = None) -> list[Figure]:
    from .targets import load_targets, value_in_words

    df = load_targets() if df is None else df
    rows = df.set_index("target_id", drop=False)
    out = []
    for tid in ids:
        r = rows.loc[tid]
        uiv = r["unit_in_value"]
        out.append(Figure(
            target_id=tid, label=str(r["indicator"]), region=str(r["region_name"]), value=str(r["target_value"]),
            unit=str(r["unit"] or ""), unit_in_value=bool(isinstance(uiv, str) and uiv),
            year=None if pd.isna(r["target_year"]) else int(r["target_year"]), kind=str(r["kind"]),
            in_words=value_in_words(r, lang), seed=str(r["source"]), section=str(r["source_section"]),
            quote=str(r["source_quote"]),
        ))
    return out


def stop_chart(stop: Stop, lang: str = "zh", df: pd.DataFrame | None = None):
    """The stop's plotly figure, or None."""
    if stop.chart is None:
        return None
    from . import charts
    from .targets import load_targets

    df = load_targets() if df is None else df
    rows = df[df["target_id"].isin(stop.chart.targets)]
    title = stop.chart.title(lang) or None
    if stop.chart.type == "compare":
        fig = compare_chart(rows.set_index("target_id").loc[list(stop.chart.targets)].reset_index(), lang, title=title)
    elif stop.chart.type == "by_year":
        names = dict(zip(rows["region_code"], rows["region_name"]))
        fig = charts.by_year(rows, names, lang, title=title)
        fig.update_xaxes(type="category")  # only the years the plan names, no empty in-between years
    elif stop.chart.type == "milestones":
        fig = charts.milestones(rows, lang)
        fig.update_layout(title=title)
    else:
        fig = charts.baseline_vs_target(rows, lang, title=title)
    # projector sizes: every bar label as large as the rest of the text
    fig.update_layout(font=dict(size=16, color="#111111"), uniformtext=dict(minsize=15, mode="show"), title_font_size=20,
                      title_x=0, margin=dict(l=20, r=20, t=90, b=20))
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    if stop.chart.type != "milestones":
        fig.update_traces(textfont_size=16, cliponaxis=False)
    return fig


def compare_chart(rows: pd.DataFrame, lang: str = "zh", title: str | None = None):
    """Side-by-side bars of targets sharing one unit, each labelled with the plan's own value text."""
    import plotly.graph_objects as go

    from . import charts

    q = charts.chartable(rows)
    if q.empty:
        return charts.empty_figure(lang)
    fig = go.Figure(go.Bar(  # horizontal: long indicator names stay readable on a projector
        y=list(q["indicator"]), x=list(q["target_point"]), text=list(q["target_value"]), textposition="outside",
        orientation="h", marker_color=[charts.PALETTE[i % len(charts.PALETTE)] for i in range(len(q))],
        customdata=list(q["target_id"]), hovertemplate="%{y}: %{text}<extra>%{customdata}</extra>",
    ))
    unit = next((u for u in q["unit"] if u), "")
    fig.update_xaxes(title_text=unit, gridcolor="#eee", range=[0, float(q["target_point"].max()) * 1.3])
    fig.update_yaxes(autorange="reversed")
    return charts._layout(fig, 110 + 70 * len(q), title)


def schematic_layers(stop: Stop) -> list:
    """Layer specs of the stop shown on screen that are (partly) schematic or demonstration data."""
    from .layers import get_spec

    out = []
    for lid in stop.layers:
        spec = get_spec(lid)
        if spec.schematic or spec.extra.get("partly_schematic") or spec.extra.get("demonstration"):
            out.append(spec)
    return out


def schematic_label(stop: Stop, lang: str) -> str:
    """The on-screen 示意 note of a stop ('' when every shown layer is surveyed data)."""
    specs = schematic_layers(stop)
    if not specs:
        return ""
    parts = []
    for s in specs:
        title, tags = s.title(lang), []
        if s.schematic or s.extra.get("partly_schematic"):
            tag = t("pres.partly_schematic" if s.extra.get("partly_schematic") and not s.schematic else "badge.schematic_short", lang)
            if tag not in title:  # "…（示意）" already says it
                tags.append(tag)
        if s.extra.get("demonstration") and t("pres.demo_data", lang) not in title:
            tags.append(t("pres.demo_data", lang))
        if not tags:
            parts.append(title)
        else:
            parts.append(f"{title}（{'、'.join(tags)}）" if lang != "en" else f"{title} ({', '.join(tags)})")
    return t("pres.schematic_note", lang, layers="；".join(parts) if lang != "en" else "; ".join(parts))
