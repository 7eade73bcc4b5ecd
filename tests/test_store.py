"""The versioned layer store: seeding, publish/history/rollback, atomicity,
concurrency, crash safety, role checks, audit, and the catalog read path.

Most tests run against a tiny throw-away geodata directory (one small polygon
layer) so they are fast; one test seeds the real manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pytest
import shapely
import yaml
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point, box

from urbanmap import auth, catalog, layers
from urbanmap.geojson_io import read_geojson, write_geojson
from urbanmap.store import (Conflict, InvalidData, NotFound, PermissionDenied, StoreError, Unchanged, get_store)
from urbanmap.store.sqlite import SQLiteLayerStore

REPO = Path(__file__).resolve().parents[1]

LAYER = "tiny"


def tiny_gdf(shift: float = 0.0, names=("甲区", "乙区", "丙区")) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"zid": ["z1", "z2", "z3"][: len(names)], "name": list(names), "area_note": [1, 2.5, None][: len(names)]},
        geometry=[box(102.0 + i * 0.2 + shift, 25.0, 102.1 + i * 0.2 + shift, 25.1) for i in range(len(names))],
        crs="EPSG:4326",
    )


def manifest_entry(layer_id: str, path: str, geometry: str = "polygon") -> dict:
    return {
        "id": layer_id, "title_zh": "测试分区", "title_en": "Test zones", "group": "clusters", "geometry": geometry,
        "path": path, "key_field": "zid", "schematic": True, "region": ["530000"],
        "required_attributes": ["zid", "name"], "style": {}, "source": {"note": "test fixture"},
        "description_zh": "测试", "description_en": "test",
    }


def write_manifest(geo: Path, entries: list[dict]) -> None:
    (geo / "layers.yaml").write_text(yaml.safe_dump({"layers": entries}, allow_unicode=True), encoding="utf-8")
    layers._load_manifest.cache_clear()


@pytest.fixture
def env(tmp_path, monkeypatch):
    geo, data = tmp_path / "geodata", tmp_path / "var"
    write_geojson(tiny_gdf(), geo / "layers" / "tiny.geojson")
    write_manifest(geo, [manifest_entry(LAYER, "layers/tiny.geojson")])
    monkeypatch.setenv("URBANMAP_GEODATA_DIR", str(geo))
    monkeypatch.setenv("URBANMAP_DATA_DIR", str(data))
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)  # fast hashing in tests
    yield SimpleNamespace(geo=geo, data=data, env={**os.environ})
    layers._load_manifest.cache_clear()


@pytest.fixture
def store(env):
    return get_store()


@pytest.fixture
def staff(env):
    return auth.Users(env.data).add("alice", "alice-password", "staff", actor=auth.local_operator())


@pytest.fixture
def admin(env):
    return auth.Users(env.data).add("boss", "boss-password", "admin", actor=auth.local_operator())


def snapshot(gdf: gpd.GeoDataFrame) -> tuple:
    """Exact content: column order, every attribute value, every geometry's WKB."""
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    rows = [tuple(None if (isinstance(v, float) and np.isnan(v)) else v for v in r)
            for r in gdf[cols].itertuples(index=False, name=None)]
    return tuple(cols), tuple(rows), tuple(shapely.to_wkb(g) for g in gdf.geometry.values)


def db(env) -> sqlite3.Connection:
    return sqlite3.connect(env.data / "layers.sqlite3")


# --------------------------------------------------------------------------- seeding


def test_first_start_seeds_version_one_from_geodata(env, store):
    info = store.head(LAYER)
    assert (info.version, info.author, info.parent, info.action, info.feature_count) == (1, "system", None, "seed", 3)
    assert_geodataframe_equal(store.read(LAYER), read_geojson(env.geo / "layers" / "tiny.geojson"))
    assert [e["action"] for e in store.audit(LAYER)] == ["seed"]


def test_checksum_follows_the_documented_formula(store):
    # recomputed here from the data, independently of the store's code
    gdf = tiny_gdf()
    cols = ["zid", "name", "area_note"]
    h = hashlib.sha256(b"urbanmap-layer/1\n" + json.dumps(cols, separators=(",", ":")).encode() + b"\n")
    for rec, geom in zip(gdf[cols].to_dict("records"), gdf.geometry):
        rec = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in rec.items()}
        props = json.dumps(rec, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        h.update(hashlib.sha256(props + b"\n" + shapely.to_wkb(geom, byte_order=1, flavor="iso")).digest())
    assert store.head(LAYER).checksum == h.hexdigest()


def test_seeding_is_idempotent(env, store):
    again = SQLiteLayerStore(env.data / "layers.sqlite3")
    assert again.ensure_seeded() == {LAYER: "current"}
    assert [v.version for v in again.history(LAYER)] == [1]
    with db(env) as con:
        assert con.execute("SELECT COUNT(*) FROM audit WHERE action = 'seed'").fetchone()[0] == 1


def test_two_processes_seeding_at_once_store_one_version(env):
    script = textwrap.dedent("""
        import sys, time
        from pathlib import Path
        go = Path(sys.argv[1])
        while not go.exists():
            time.sleep(0.01)
        from urbanmap.store import get_store
        print(get_store().head("tiny").version)
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script, str(env.data.parent / "go")], env=env.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    time.sleep(1.5)  # both are imported and spinning
    (env.data.parent / "go").touch()
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert [o[0].strip() for o in outs] == ["1", "1"]
    with db(env) as con:
        assert con.execute("SELECT COUNT(*) FROM versions").fetchone()[0] == 1
        assert con.execute("SELECT COUNT(*) FROM audit WHERE action = 'seed'").fetchone()[0] == 1


def test_layer_added_to_the_manifest_later_is_seeded_on_first_access(env, store):
    pts = gpd.GeoDataFrame({"zid": ["p1"], "name": ["点"]}, geometry=[Point(102.5, 25.5)], crs="EPSG:4326")
    write_geojson(pts, env.geo / "layers" / "pts.geojson")
    write_manifest(env.geo, [manifest_entry(LAYER, "layers/tiny.geojson"), manifest_entry("pts", "layers/pts.geojson", "point")])
    assert "pts" not in store.layer_ids()
    assert store.head("pts").version == 1
    assert store.read("pts")["name"].tolist() == ["点"]


def test_a_missing_seed_file_does_not_block_the_other_layers(env):
    write_manifest(env.geo, [manifest_entry("ghost", "layers/ghost.geojson"), manifest_entry(LAYER, "layers/tiny.geojson")])
    st = get_store()
    assert st.layer_ids() == [LAYER]
    with pytest.raises(NotFound) as err:
        st.head("ghost")
    assert "ghost" in err.value.message("en")


def test_unknown_layer_is_not_found(store):
    with pytest.raises(NotFound):
        store.head("no_such_layer")
    with pytest.raises(NotFound):
        store.read(LAYER, version=99)


def test_changed_repository_file_is_followed_until_staff_publish(env, store, staff):
    write_geojson(tiny_gdf(shift=0.01), env.geo / "layers" / "tiny.geojson")
    assert SQLiteLayerStore(env.data / "layers.sqlite3").ensure_seeded() == {LAYER: "synced"}
    head = store.head(LAYER)
    assert (head.version, head.author, head.action) == (2, "system", "sync")
    assert snapshot(store.read(LAYER)) == snapshot(tiny_gdf(shift=0.01))

    store.publish(LAYER, tiny_gdf(shift=0.05), actor=staff, message="survey 2025")
    write_geojson(tiny_gdf(shift=0.02), env.geo / "layers" / "tiny.geojson")
    assert SQLiteLayerStore(env.data / "layers.sqlite3").ensure_seeded() == {LAYER: "skipped"}
    assert store.head(LAYER).author == "alice"  # the staff version stays current
    assert store.audit(LAYER)[0]["outcome"] == "skipped"


def test_real_manifest_layers_seed_identical_to_their_files(tmp_path, monkeypatch):
    monkeypatch.setenv("URBANMAP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("URBANMAP_GEODATA_DIR", raising=False)
    st = get_store()
    for spec in layers.load_manifest():
        assert spec.id in st.layer_ids()
        assert_geodataframe_equal(st.read(spec.id), read_geojson(spec.file))


# --------------------------------------------------------------------------- publish / history / rollback


def test_publish_history_rollback(store, staff, admin):
    v1 = store.head(LAYER)
    new = tiny_gdf(shift=0.3, names=("甲区", "乙区（扩）", "丙区"))
    v2 = store.publish(LAYER, new, actor=staff, message="乙区 boundary from the 2025 survey")
    assert (v2.version, v2.parent, v2.author, v2.action, v2.message) == (2, 1, "alice", "publish", "乙区 boundary from the 2025 survey")
    assert store.head(LAYER) == v2
    assert snapshot(store.read(LAYER)) == snapshot(new)
    assert v2.checksum != v1.checksum

    v3 = store.rollback(LAYER, 1, actor=admin, message="survey not yet approved")
    assert (v3.version, v3.parent, v3.restored_from, v3.author, v3.action) == (3, 2, 1, "boss", "rollback")
    assert v3.checksum == v1.checksum
    assert snapshot(store.read(LAYER)) == snapshot(tiny_gdf())
    assert [v.version for v in store.history(LAYER)] == [3, 2, 1]
    assert snapshot(store.read(LAYER, 2)) == snapshot(new)  # nothing is lost
    assert all(store.verify(LAYER, v) for v in (1, 2, 3))


def test_history_is_append_only_in_the_database(env, store, staff):
    store.publish(LAYER, tiny_gdf(shift=0.3), actor=staff, message="m")
    with db(env) as con:
        for sql in ("UPDATE versions SET message = 'x'", "DELETE FROM versions WHERE version = 1",
                    "DELETE FROM version_features", "UPDATE features SET properties = '{}'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                con.execute(sql)


def test_rollback_to_missing_version_and_noop_rollback(store, admin):
    with pytest.raises(NotFound):
        store.rollback(LAYER, 7, actor=admin)
    with pytest.raises(Unchanged):
        store.rollback(LAYER, 1, actor=admin)
    assert store.head(LAYER).version == 1


def test_publishing_identical_data_is_refused(store, staff):
    with pytest.raises(Unchanged):
        store.publish(LAYER, tiny_gdf(), actor=staff, message="same again")
    assert store.head(LAYER).version == 1


def test_stale_base_version_is_a_conflict(store, staff):
    store.publish(LAYER, tiny_gdf(shift=0.3), actor=staff, message="first", base_version=1)
    with pytest.raises(Conflict) as err:
        store.publish(LAYER, tiny_gdf(shift=0.6), actor=staff, message="second", base_version=1)
    assert "2" in err.value.message("en") and "2" in err.value.message("zh")
    assert store.head(LAYER).version == 2


def test_empty_message_is_refused(store, staff):
    with pytest.raises(InvalidData):
        store.publish(LAYER, tiny_gdf(shift=0.3), actor=staff, message="  ")


# --------------------------------------------------------------------------- failures leave the head byte-identical


def _bad_gdfs():
    g = tiny_gdf(shift=0.3)
    dup = g.copy()
    dup.loc[1, "zid"] = "z1"
    nokey = g.drop(columns=["zid"])
    noname = g.drop(columns=["name"])
    merc = g.to_crs(3857)
    empty = g.iloc[0:0]
    nullgeom = g.copy()
    nullgeom.loc[2, "geometry"] = None
    pts = g.copy()
    pts["geometry"] = g.geometry.representative_point()
    inf = g.copy()
    inf.loc[0, "geometry"] = box(102, 25, np.inf, 25.1)
    swapped = g.copy()
    swapped["geometry"] = shapely.transform(g.geometry.values, lambda xy: xy[:, ::-1] + [0, 60])
    obj = g.copy()
    obj["name"] = [object(), "b", "c"]
    return {"duplicate keys": dup, "no key field": nokey, "missing required attribute": noname,
            "web mercator": merc, "no features": empty, "null geometry": nullgeom, "points in a polygon layer": pts,
            "infinite coordinate": inf, "latitude out of range": swapped, "unstorable value": obj,
            "not a geodataframe": g.drop(columns="geometry")}


@pytest.mark.parametrize("case", list(_bad_gdfs()))
def test_bad_data_is_rejected_and_the_head_is_untouched(env, store, staff, case):
    before_info, before = store.head(LAYER), snapshot(store.read(LAYER))
    with pytest.raises(InvalidData) as err:
        store.publish(LAYER, _bad_gdfs()[case], actor=staff, message=case)
    assert err.value.message("zh") != err.value.message("en")
    assert store.head(LAYER) == before_info
    assert snapshot(store.read(LAYER)) == before
    entry = store.audit(LAYER)[0]
    assert (entry["actor"], entry["outcome"], entry["action"]) == ("alice", "failed", "publish")
    assert entry["reason"].startswith("invalid_data")


def test_exception_mid_transaction_leaves_the_current_version_byte_identical(env, store, staff, monkeypatch):
    before_info, before = store.head(LAYER), snapshot(store.read(LAYER))
    with db(env) as con:
        n_features = con.execute("SELECT COUNT(*) FROM features").fetchone()[0]
    original = SQLiteLayerStore._link_features

    def explode(self, con, layer_id, version, data):
        original(self, con, layer_id, version, data)  # rows are written inside the transaction ...
        assert con.execute("SELECT COUNT(*) FROM version_features WHERE version = ?", (version,)).fetchone()[0] == 3
        raise RuntimeError("disk on fire")  # ... then it fails before COMMIT

    monkeypatch.setattr(SQLiteLayerStore, "_link_features", explode)
    with pytest.raises(StoreError) as err:
        store.publish(LAYER, tiny_gdf(shift=0.3), actor=staff, message="doomed")
    assert "disk on fire" in err.value.detail and "disk on fire" not in err.value.message("zh")
    assert store.head(LAYER) == before_info
    assert snapshot(store.read(LAYER)) == before
    assert store.verify(LAYER)
    with db(env) as con:
        assert con.execute("SELECT COUNT(*) FROM features").fetchone()[0] == n_features
        assert con.execute("SELECT COUNT(*) FROM versions").fetchone()[0] == 1
    assert store.audit(LAYER)[0]["outcome"] == "failed" and "disk on fire" in store.audit(LAYER)[0]["reason"]
    monkeypatch.setattr(SQLiteLayerStore, "_link_features", original)
    assert store.publish(LAYER, tiny_gdf(shift=0.3), actor=staff, message="retry").version == 2


def test_readers_see_the_old_version_while_a_publish_is_being_written(env, store, staff, monkeypatch):
    seen = {}
    original = SQLiteLayerStore._link_features

    def peek(self, con, layer_id, version, data):
        original(self, con, layer_id, version, data)
        other = SQLiteLayerStore(env.data / "layers.sqlite3")  # another connection, like another app session
        seen["head"] = other.head(LAYER).version
        seen["data"] = snapshot(other.read(LAYER))
        seen["versions"] = [v.version for v in other.history(LAYER)]  # the half-written v2 is invisible
        other.close()

    monkeypatch.setattr(SQLiteLayerStore, "_link_features", peek)
    store.publish(LAYER, tiny_gdf(shift=0.3), actor=staff, message="m")
    assert seen == {"head": 1, "data": snapshot(tiny_gdf()), "versions": [1]}
    assert store.head(LAYER).version == 2


# --------------------------------------------------------------------------- several processes

_PUBLISHER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import geopandas as gpd
    from shapely.geometry import box
    from urbanmap import auth
    from urbanmap.store import get_store
    from urbanmap.store.sqlite import SQLiteLayerStore

    shift, hold, go, marker = float(sys.argv[1]), float(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
    gdf = gpd.GeoDataFrame({"zid": ["z1", "z2", "z3"], "name": ["a", "b", "c"]},
                           geometry=[box(102 + i * 0.2 + shift, 25, 102.1 + i * 0.2 + shift, 25.1) for i in range(3)],
                           crs="EPSG:4326")
    original = SQLiteLayerStore._link_features

    def slow(self, con, layer_id, version, data):
        original(self, con, layer_id, version, data)
        marker.write_text(str(version))  # we now hold the write lock with the rows written
        time.sleep(hold)

    SQLiteLayerStore._link_features = slow
    store = get_store()
    user = auth.User("alice", auth.Role.STAFF)
    while not go.exists():
        time.sleep(0.01)
    info = store.publish("tiny", gdf, actor=user, message=f"shift {shift}")
    print(info.version, info.parent, info.checksum)
""")


def _publisher(env, shift: float, hold: float, go: Path, marker: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _PUBLISHER, str(shift), str(hold), str(go), str(marker)],
                            env=env.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _integrity(env) -> str:
    with db(env) as con:
        return con.execute("PRAGMA integrity_check").fetchone()[0]


def test_two_processes_publishing_at_once_both_land(env, store, staff):
    go = env.data.parent / "go"
    procs = [_publisher(env, shift, 0.5, go, env.data.parent / f"m{i}") for i, shift in enumerate((0.3, 0.6))]
    time.sleep(2.0)  # both imported and waiting
    go.touch()
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    landed = sorted(tuple(o[0].split()) for o in outs)
    assert [(v, parent) for v, parent, _ in landed] == [("2", "1"), ("3", "2")]
    history = store.history(LAYER)
    assert [(v.version, v.parent) for v in history] == [(3, 2), (2, 1), (1, None)]
    assert store.head(LAYER).version == 3
    assert {v.checksum for v in history[:2]} == {c for _, _, c in landed}
    assert all(store.verify(LAYER, v.version) for v in history)
    assert _integrity(env) == "ok"
    assert [e["version"] for e in store.audit(LAYER) if e["action"] == "publish"] == [3, 2]


def test_process_killed_mid_publish_leaves_the_previous_version_current(env, store, staff):
    before_info, before = store.head(LAYER), snapshot(store.read(LAYER))
    go, marker = env.data.parent / "go", env.data.parent / "marker"
    go.touch()
    proc = _publisher(env, 0.3, 600, go, marker)
    deadline = time.time() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline, "publisher never reached the write"
        time.sleep(0.05)
    assert marker.read_text() == "2"
    probe = sqlite3.connect(env.data / "layers.sqlite3", timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        probe.execute("BEGIN IMMEDIATE")  # proof: the killed process holds the write transaction
    probe.close()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)

    fresh = SQLiteLayerStore(env.data / "layers.sqlite3")
    assert fresh.head(LAYER) == before_info
    assert snapshot(fresh.read(LAYER)) == before
    assert fresh.verify(LAYER)
    assert _integrity(env) == "ok"
    with db(env) as con:
        assert con.execute("SELECT COUNT(*) FROM version_features WHERE version = 2").fetchone()[0] == 0
    info = fresh.publish(LAYER, tiny_gdf(shift=0.9), actor=staff, message="after the crash")
    assert (info.version, info.parent) == (2, 1)


# --------------------------------------------------------------------------- roles (checked by the API)


def test_viewers_and_anonymous_cannot_publish(store):
    for actor in (None, auth.VIEWER, auth.User("walker", auth.Role.VIEWER)):
        with pytest.raises(PermissionDenied):
            store.publish(LAYER, tiny_gdf(shift=0.3), actor=actor, message="m")
    assert store.head(LAYER).version == 1
    assert [e["outcome"] for e in store.audit(LAYER)[:3]] == ["denied"] * 3


def test_staff_can_publish_but_not_roll_back(store, staff):
    store.publish(LAYER, tiny_gdf(shift=0.3), actor=staff, message="m")
    with pytest.raises(PermissionDenied) as err:
        store.rollback(LAYER, 1, actor=staff)
    assert "alice" in err.value.message("zh") and "admin" in err.value.message("en")
    assert store.head(LAYER).version == 2
    entry = store.audit(LAYER)[0]
    assert (entry["actor"], entry["action"], entry["outcome"]) == ("alice", "rollback", "denied")


def test_admin_can_roll_back(store, staff, admin):
    store.publish(LAYER, tiny_gdf(shift=0.3), actor=staff, message="m")
    assert store.rollback(LAYER, 1, actor=admin).version == 3


def test_roles_are_checked_against_the_account_database(env, store, staff, admin):
    forged = auth.User("mallory", auth.Role.ADMIN)  # never registered
    with pytest.raises(PermissionDenied):
        store.publish(LAYER, tiny_gdf(shift=0.3), actor=forged, message="m")
    claims_admin = auth.User("alice", auth.Role.ADMIN)  # a staff account claiming more
    store.publish(LAYER, tiny_gdf(shift=0.3), actor=staff, message="m")
    with pytest.raises(PermissionDenied):
        store.rollback(LAYER, 1, actor=claims_admin)
    auth.Users(env.data).set_role("boss", "staff", actor=auth.local_operator())  # demoted while logged in
    with pytest.raises(PermissionDenied):
        store.rollback(LAYER, 1, actor=admin)
    with pytest.raises(PermissionDenied):  # the shell operator manages accounts, never layers
        store.publish(LAYER, tiny_gdf(shift=0.6), actor=auth.local_operator(), message="m")
    assert store.head(LAYER).version == 2


def test_audit_records_publishes_rollbacks_and_failures(store, staff, admin):
    store.publish(LAYER, tiny_gdf(shift=0.3), actor=staff, message="new survey")
    store.record_failure(LAYER, actor=staff, reason="upload rejected: no_crs")
    store.rollback(LAYER, 1, actor=admin, message="undo")
    entries = store.audit(LAYER)
    got = [(e["actor"], e["action"], e["outcome"], e["version"]) for e in entries]
    assert got == [("boss", "rollback", "ok", 3), ("alice", "publish", "failed", None),
                   ("alice", "publish", "ok", 2), ("system", "seed", "ok", 1)]
    assert entries[1]["reason"] == "upload rejected: no_crs"
    assert entries[2]["message"] == "new survey"
    assert all(e["ts"].endswith("Z") for e in entries)
    assert store.audit(limit=2) == entries[:2]


# --------------------------------------------------------------------------- the catalog read path


def test_catalog_follows_publish_and_rollback(store, staff, admin):
    token1 = catalog.version_token(LAYER)
    first = catalog.get_layer(LAYER)
    assert catalog.get_layer(LAYER) is first  # cached while nothing changes

    new = tiny_gdf(shift=0.3)
    store.publish(LAYER, new, actor=staff, message="m")
    assert catalog.version_token(LAYER) != token1
    assert snapshot(catalog.get_layer(LAYER)) == snapshot(new)

    store.rollback(LAYER, 1, actor=admin)
    assert snapshot(catalog.get_layer(LAYER)) == snapshot(tiny_gdf())


def test_catalog_sees_a_publish_from_another_process(env, store, staff):
    before = catalog.version_token(LAYER)
    go, marker = env.data.parent / "go", env.data.parent / "marker"
    go.touch()
    proc = _publisher(env, 0.6, 0, go, marker)
    out, errs = proc.communicate(timeout=120)
    assert proc.returncode == 0, errs
    assert catalog.version_token(LAYER) != before
    assert catalog.get_layer(LAYER).geometry.iloc[0].bounds[0] == pytest.approx(102.6)
