"""``urbanmap tour list|validate|export``: presenter tours (geodata/tours.yaml + staff edits)."""

from __future__ import annotations

import sys
from pathlib import Path

ORDER = 40


def register(sub) -> None:
    p = sub.add_parser("tour", help="presenter tours: list, validate, export as one offline HTML file")
    tsub = p.add_subparsers(dest="tour_command", metavar="ACTION")
    tsub.required = True

    lp = tsub.add_parser("list", help="the tours with their number of stops")
    lp.add_argument("--lang", choices=("zh", "en"), default="zh")
    lp.set_defaults(func=run_list)

    vp = tsub.add_parser("validate", help="check a tours YAML file (default: every tour in use); non-zero exit on errors")
    vp.add_argument("file", nargs="?", type=Path, default=None)
    vp.add_argument("--lang", choices=("zh", "en"), default="zh")
    vp.set_defaults(func=run_validate)

    ep = tsub.add_parser("export", help="write a tour as one self-contained HTML file (no tiles, no server)")
    ep.add_argument("tour_id")
    ep.add_argument("-o", "--output", type=Path, required=True, help="FILE.html")
    ep.add_argument("--lang", choices=("zh", "en"), default="zh")
    ep.add_argument("--png", type=Path, default=None, metavar="DIR",
                    help="also render one PNG per stop into DIR through headless Chromium")
    ep.add_argument("--chromium", default="/usr/bin/chromium")
    ep.set_defaults(func=run_export)


def _fail(exc, lang: str) -> int:
    print(f"tour: {exc.message(lang)}", file=sys.stderr)
    for p in getattr(exc, "problems", [])[1:]:
        print(f"  {p.message(lang)}", file=sys.stderr)
    return 1


def run_list(args) -> int:
    from ..tours import TourError, load_tours

    try:
        tours = load_tours()
    except TourError as exc:
        return _fail(exc, args.lang)
    for tr in tours.values():
        print(f"{tr.id}\t{len(tr.stops)}\t{tr.origin}\t{tr.title(args.lang)}")
    return 0


def run_validate(args) -> int:
    from ..tours import TourError, TourValidationError, load_tours, parse_yaml, validate

    try:
        if args.file is None:
            tours = load_tours()
            print(f"tour validate: {len(tours)} tours OK")
            return 0
        raw = parse_yaml(args.file.read_bytes())
        problems = validate(raw)
        if problems:
            raise TourValidationError(problems)
    except TourError as exc:
        return _fail(exc, args.lang)
    except OSError as exc:
        print(f"tour validate: {exc}", file=sys.stderr)
        return 1
    print(f"tour validate: {len(raw)} tours OK ({args.file})")
    return 0


def run_export(args) -> int:
    from ..tour_export import export, render_pngs
    from ..tours import TourError, get_tour

    try:
        tour = get_tour(args.tour_id)
        out = export(args.tour_id, args.output, lang=args.lang)
    except TourError as exc:
        return _fail(exc, args.lang)
    size = out.stat().st_size
    print(f"tour export: {out} ({size / 1e6:.1f} MB, {len(tour.stops)} stops)")
    if args.png:
        for p in render_pngs(out, args.png, n_stops=len(tour.stops), chromium=args.chromium):
            print(f"  {p}")
    return 0
