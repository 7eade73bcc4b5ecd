"""One page in a fresh interpreter: cold and warm script time, and what its maps send.

Usage: ``python bench/pages_worker.py PAGE REPS`` (``URBANMAP_DATA_DIR`` set by
the caller, already seeded).  Prints one JSON line.

- *cold*: the page script run directly (``AppTest.from_file(page)``) as the
  first script run of this process: urbanmap imports, store reads, the feature
  index, layer sources — everything a fresh server process pays on its first
  view of the page.  Streamlit and ``AppTest`` are imported before timing
  (reported as ``import_s``).
- *warm*: then the app itself (``app.py`` + ``st.navigation``) switched to the
  page, and ``REPS`` reruns of it, each timed: what a rerun costs on a warm server.
- *maps*: every ``st_folium`` call is intercepted (the real component still
  runs): the exact JSON the component sends (``json.dumps`` of its arguments,
  as Streamlit serialises them), plus the layer sources the map's script will
  fetch at its initial zoom.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")


def main(page: str, reps: int) -> dict:
    t0 = time.perf_counter()
    from streamlit.testing.v1 import AppTest
    import streamlit_folium

    import_s = time.perf_counter() - t0
    out: dict = {"page": page, "import_s": import_s, "maps": [], "errors": []}

    captured: list[dict] = []
    original = streamlit_folium._component_func

    def component(**kwargs):
        args = {k: v for k, v in kwargs.items() if k not in ("on_change", "tab_index")}
        sizes = {k: len(v.encode("utf-8")) for k, v in args.items() if isinstance(v, str)}
        captured.append({"json_args_bytes": len(json.dumps(args).encode("utf-8")), "parts": sizes})
        return original(**kwargs)

    streamlit_folium._component_func = component

    from urbanmap import ui_map

    maps: list = []
    real_render = ui_map.render_map

    def render(m, **kw):
        maps.append(m)
        return real_render(m, **kw)

    ui_map.render_map = render

    def describe() -> list[dict]:
        from mapsize import map_layers

        rows = []
        for m, cap in zip(maps, captured):
            rows.append({**cap, **map_layers(m)})
        return rows

    # cold: first run in this process, the page script on its own
    try:
        at = AppTest.from_file(str(REPO / page), default_timeout=180)
        t = time.perf_counter()
        at.run()
        out["cold_s"] = time.perf_counter() - t
        if at.exception:
            out["errors"].append("cold run: " + " | ".join(str(e.value)[:300] for e in at.exception))
        out["maps_direct"] = describe()
    except Exception as exc:  # noqa: BLE001 - recorded, never fatal
        out["errors"].append(f"cold run: {type(exc).__name__}: {exc}"[:500])

    # warm: the app as served (navigation), switched to the page, then reruns
    maps.clear()
    captured.clear()
    try:
        app = AppTest.from_file(APP, default_timeout=180)
        app.run()
        maps.clear()
        captured.clear()
        app.query_params = {}  # the default page's ?layers=… would leak into the next page (a browser drops it)
        t = time.perf_counter()
        app.switch_page(page).run()
        out["first_nav_run_s"] = time.perf_counter() - t
        if app.exception:
            out["errors"].append("app run: " + " | ".join(str(e.value)[:300] for e in app.exception))
        out["maps"] = describe()
        samples = []
        for _ in range(reps):
            t = time.perf_counter()
            app.run()
            samples.append(time.perf_counter() - t)
        out["warm_samples"] = samples
        out["title"] = app.title[0].value if app.title else None
    except Exception as exc:  # noqa: BLE001
        out["errors"].append(f"app run: {type(exc).__name__}: {exc}"[:500])
        if not out["maps"]:
            out["maps"] = out.get("maps_direct", [])
    out.pop("maps_direct", None)
    return out


def warmup() -> dict:
    """Every layer's browser data built from scratch in memory (``inline=True``: no files read or written)."""
    from urbanmap import catalog, mapdata
    from urbanmap.layers import load_manifest

    times = {}
    for spec in load_manifest():
        catalog.get_layer(spec.id)  # reading the store is not the build
        t = time.perf_counter()
        mapdata.layer_sources(spec.id, "zh", inline=True)
        mapdata.layer_labels(spec.id)
        times[spec.id] = time.perf_counter() - t
    slowest = sorted(times.items(), key=lambda kv: -kv[1])[:3]
    return {"total_s": sum(times.values()), "per_layer_s": times, "slowest": slowest}


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    if sys.argv[1] == "--warmup":
        print(json.dumps(warmup()))
        sys.exit(0)
    try:
        result = main(sys.argv[1], int(sys.argv[2]))
    except Exception:  # noqa: BLE001
        result = {"page": sys.argv[1], "errors": [traceback.format_exc()[-800:]]}
    print(json.dumps(result, ensure_ascii=False))
