"""Test helpers: the committed tours and targets read straight from the files (not through urbanmap)."""

import csv
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def raw_tour(tour_id: str) -> dict:
    return next(r for r in yaml.safe_load((REPO / "geodata" / "tours.yaml").read_text("utf-8"))["tours"] if r["id"] == tour_id)


def target_rows() -> dict[str, dict]:
    with open(REPO / "geodata" / "targets.csv", encoding="utf-8", newline="") as fh:
        return {r["target_id"]: r for r in csv.DictReader(fh)}
