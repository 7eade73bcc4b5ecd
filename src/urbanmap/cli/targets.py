"""``urbanmap targets list|check``: the plan-targets table (geodata/targets.csv)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

ORDER = 30

#: Columns printed by ``targets list``: the table's own columns, then the parsed fields.
LIST_COLUMNS = (
    "target_id", "region_code", "region_name", "category", "indicator", "unit",
    "baseline_year", "baseline_value", "target_year", "target_value", "kind",
    "lower", "upper", "comparator", "cumulative", "annual", "no_data", "unit_in_value", "scale",
    "words", "unknown", "strict", "aspiration", "qualifiers", "source", "source_section", "source_quote",
)


def register(sub) -> None:
    p = sub.add_parser("targets", help="plan targets: list them, or check them against the seed texts")
    tsub = p.add_subparsers(dest="targets_command", metavar="ACTION")
    tsub.required = True

    lp = tsub.add_parser("list", help="print targets with their parsed values (lower, upper, comparator …)")
    lp.add_argument("--region", default=None, help="adcode (e.g. 530000) or feature id (e.g. cz-blue)")
    lp.add_argument("--children", action="store_true", help="with --region: include everything inside the region")
    lp.add_argument("--format", choices=("csv", "json"), default="csv")
    lp.add_argument("--file", type=Path, default=None, help="targets CSV (default: geodata/targets.csv)")
    lp.set_defaults(func=run_list)

    cp = tsub.add_parser("check", help="verify every row against the seeds; non-zero exit on errors")
    cp.add_argument("--seeds", type=Path, default=None, help="directory of the plan texts (default: ../shared/seeds)")
    cp.add_argument("--file", type=Path, default=None, help="targets CSV (default: geodata/targets.csv)")
    cp.add_argument("--strict", action="store_true", help="fail on warnings too")
    cp.set_defaults(func=run_check)


def _plain(v):
    """JSON/CSV-friendly scalar: NaN/NA -> None, numpy types -> Python."""
    if v is None:
        return None
    try:
        if v != v or (isinstance(v, float) and math.isnan(v)):  # NaN / pd.NA
            return None
    except TypeError:  # pd.NA compares ambiguously
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def run_list(args) -> int:
    from ..targets import load_targets, targets_for

    df = load_targets(args.file)
    if args.region:
        df = targets_for(args.region, include_children=args.children, df=df)
    records = [{c: _plain(r[c]) for c in LIST_COLUMNS} for r in df.to_dict("records")]
    if args.format == "json":
        json.dump(records, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        import csv

        w = csv.DictWriter(sys.stdout, fieldnames=list(LIST_COLUMNS), lineterminator="\n")
        w.writeheader()
        for r in records:
            w.writerow({k: ("" if v is None else v) for k, v in r.items()})
    if args.region and not records:
        print(f"targets list: no targets for {args.region}", file=sys.stderr)
    return 0


def run_check(args) -> int:
    from ..targets import check, errors, read_rows, targets_path

    path = args.file or targets_path()
    problems = check(seeds_dir=args.seeds, path=path)
    _, rows = read_rows(path)
    errs = errors(problems)
    warns = [p for p in problems if p.severity != "error"]
    for p in problems:
        print(p)
    failing = sorted({p.target_id for p in (problems if args.strict else errs)})
    print(f"targets check: {len(rows)} rows, {len(errs)} errors, {len(warns)} warnings ({path})")
    if failing:
        print("failing rows: " + ", ".join(failing), file=sys.stderr)
        return 1
    return 0
