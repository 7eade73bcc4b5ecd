"""``urbanmap build-layers``: rebuild the thematic layers in geodata/layers/."""

from __future__ import annotations

import filecmp
import json
import sys
import tempfile
from pathlib import Path

from .. import config

ORDER = 20


def register(sub) -> None:
    p = sub.add_parser(
        "build-layers",
        help="rebuild the thematic layers (geodata/layers/) from admin/ and layer_sources.yaml",
    )
    p.add_argument("-o", "--out", type=Path, default=None, help="output directory (default: geodata/layers)")
    p.add_argument("--sources", type=Path, default=None, help="inputs file (default: geodata/layer_sources.yaml)")
    p.add_argument("--check", action="store_true",
                   help="build into a temporary directory and exit 1 if any file differs from the output directory")
    p.add_argument("--no-doc", action="store_true", help="do not rewrite geodata/LAYERS.md")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..layer_build import BuildError, build, layers_doc, load_sources

    default_out = config.geodata_dir() / "layers"
    out = args.out or default_out
    try:
        if args.check:
            with tempfile.TemporaryDirectory() as tmp:
                summary = build(Path(tmp), args.sources)
                differ = [
                    f"{lid}.geojson" for lid in summary
                    if not (out / f"{lid}.geojson").exists()
                    or not filecmp.cmp(Path(tmp) / f"{lid}.geojson", out / f"{lid}.geojson", shallow=False)
                ]
            if differ:
                print(f"build-layers --check: out of date in {out}: {', '.join(differ)}", file=sys.stderr)
                return 1
            print(f"build-layers --check: {len(summary)} layers up to date in {out}")
            return 0
        summary = build(out, args.sources)
    except BuildError as exc:
        print(f"build-layers: {exc}", file=sys.stderr)
        return 2
    if not args.no_doc and Path(out).resolve() == default_out.resolve():
        doc = layers_doc(summary, load_sources(args.sources))
        (config.geodata_dir() / "LAYERS.md").write_text(doc, encoding="utf-8")
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0
