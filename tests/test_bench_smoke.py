"""The benchmark script runs end to end on tiny inputs (``bench/run.py --quick``).

Not a timed test: it checks that every figure section is produced with
numbers, never how fast anything is (the bench itself never fails CI).
"""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MEASURED = ["payload", "server", "upload", "fidelity"]  # --quick skips the browser section


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "run.py"), "--quick", "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return out


def test_quick_run_writes_json_with_numbers_in_every_section(quick_run):
    doc = json.loads((quick_run / "results.json").read_text(encoding="utf-8"))
    assert doc["machine"]["cpu"] and doc["machine"]["cores"] >= 1 and doc["machine"]["python"]
    assert doc["quick"] is True
    for sec in MEASURED:
        assert doc["sections"][sec]["status"] == "ok", (sec, doc["sections"][sec].get("error"))
        values = [f["value"] for f in doc["figures"] if f["section"] == sec]
        assert values, f"no figures in {sec}"
        assert all(isinstance(v, (int, float)) and math.isfinite(v) and v >= 0 for v in values), (sec, values)
    assert doc["sections"]["browser"]["status"].startswith("skipped")
    # the payload figures come with the naive baseline measured in the same run
    payload = [f for f in doc["figures"] if f["section"] == "payload" and f["name"].startswith("`overview` default view")]
    assert payload and payload[0]["baseline"] > 0 and payload[0]["ratio"] > 0
    # the upload rows carry their raw samples and a memory figure
    upload = [f for f in doc["figures"] if f["section"] == "upload"]
    assert any(f["unit"] == "MiB" and f["value"] > 0 for f in upload)
    assert all(f["samples"] for f in upload if f["unit"] == "s")


def test_quick_run_writes_the_markdown_table(quick_run):
    md = (quick_run / "results.md").read_text(encoding="utf-8")
    assert "| figure | value | baseline | ratio | goal | met |" in md
    for title in ("Map payload", "Server time per page", "Browser timings", "Upload pipeline", "Fidelity"):
        assert title in md
    assert "Machine" in md and "cores" in md
