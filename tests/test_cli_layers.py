"""``urbanmap layers`` and ``urbanmap users`` on a throw-away data directory."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import yaml
from shapely.geometry import box

from urbanmap import auth, cli, layers
from urbanmap.geojson_io import write_geojson
from urbanmap.store import get_store

REPO = Path(__file__).resolve().parents[1]
LAYER = "tiny"
ADMIN_PW, STAFF_PW = "admin-pass-123", "staff-pass-123"


def zones(shift: float = 0.0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"zid": ["z1", "z2"], "name": ["北片", "南片"]},
                            geometry=[box(102 + shift, 25, 102.1 + shift, 25.1), box(102 + shift, 24.8, 102.1 + shift, 24.9)],
                            crs="EPSG:4326")


@pytest.fixture
def env(tmp_path, monkeypatch):
    geo, data = tmp_path / "geodata", tmp_path / "var"
    write_geojson(zones(), geo / "layers" / "tiny.geojson")
    (geo / "admin").symlink_to(REPO / "geodata" / "admin")  # upload checks need the region's boundaries
    entry = {"id": LAYER, "title_zh": "测试分区", "title_en": "Test zones", "group": "clusters", "geometry": "polygon",
             "path": "layers/tiny.geojson", "key_field": "zid", "schematic": True, "region": ["530000"],
             "required_attributes": ["zid", "name"], "style": {}, "source": {}, "description_zh": "测试",
             "description_en": "test"}
    (geo / "layers.yaml").write_text(yaml.safe_dump({"layers": [entry]}, allow_unicode=True), encoding="utf-8")
    layers._load_manifest.cache_clear()
    monkeypatch.setenv("URBANMAP_GEODATA_DIR", str(geo))
    monkeypatch.setenv("URBANMAP_DATA_DIR", str(data))
    monkeypatch.delenv("URBANMAP_PASSWORD", raising=False)
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    yield data
    layers._load_manifest.cache_clear()


def run(capsys, monkeypatch, argv, password=None):
    if password is None:
        monkeypatch.delenv("URBANMAP_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("URBANMAP_PASSWORD", password)
    rc = cli.main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def accounts(env, capsys, monkeypatch):
    assert run(capsys, monkeypatch, ["users", "add", "boss", "--role", "admin"], ADMIN_PW)[0] == 0
    assert run(capsys, monkeypatch, ["users", "add", "alice", "--role", "staff"], STAFF_PW)[0] == 0


def test_users_add_and_list(env, accounts, capsys, monkeypatch):
    rc, out, err = run(capsys, monkeypatch, ["users", "list", "--format", "json"])
    assert rc == 0
    assert [(u["name"], u["role"]) for u in json.loads(out)] == [("alice", "staff"), ("boss", "admin")]
    assert auth.Users(env).authenticate("alice", STAFF_PW).role == auth.Role.STAFF
    rc, out, _ = run(capsys, monkeypatch, ["users", "list"])
    assert "alice" in out and "staff" in out and STAFF_PW not in out


def test_users_add_refuses_without_a_password_source(env, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO())  # not a terminal: no prompt possible
    rc, _, err = run(capsys, monkeypatch, ["users", "add", "carol", "--role", "staff"])
    assert rc == 1 and "URBANMAP_PASSWORD" in err
    assert auth.Users(env).get("carol") is None


def test_users_add_reports_a_weak_password_and_a_duplicate(env, accounts, capsys, monkeypatch):
    rc, _, err = run(capsys, monkeypatch, ["users", "add", "carol", "--role", "staff"], "short")
    assert rc == 1 and "密码至少" in err and "Passwords need" in err
    rc, _, err = run(capsys, monkeypatch, ["users", "add", "Alice", "--role", "admin"], ADMIN_PW)
    assert rc == 1 and "taken" in err
    assert auth.Users(env).get("alice").role == auth.Role.STAFF


def test_layers_list(env, capsys, monkeypatch):
    rc, out, _ = run(capsys, monkeypatch, ["layers", "list", "--format", "json"])
    assert rc == 0
    (row,) = json.loads(out)
    assert (row["layer_id"], row["version"], row["author"], row["feature_count"]) == (LAYER, 1, "system", 2)
    rc, out, _ = run(capsys, monkeypatch, ["layers", "list"])
    assert LAYER in out and "测试分区" in out


def test_history_json_and_rollback(env, accounts, capsys, monkeypatch):
    store = get_store()
    store.publish(LAYER, zones(0.5), actor=auth.User("alice", auth.Role.STAFF), message="moved east")
    rc, out, _ = run(capsys, monkeypatch, ["layers", "history", LAYER, "--format", "json"])
    assert rc == 0
    hist = json.loads(out)
    assert [(h["version"], h["parent"], h["author"], h["message"]) for h in hist] == [
        (2, 1, "alice", "moved east"), (1, None, "system", f"seeded from geodata/layers/tiny.geojson")]

    rc, out, err = run(capsys, monkeypatch, ["layers", "rollback", LAYER, "--to", "1", "--user", "boss", "-m", "wrong survey"],
                       ADMIN_PW)
    assert rc == 0, err
    info = json.loads(out)
    assert (info["version"], info["parent"], info["restored_from"], info["author"]) == (3, 2, 1, "boss")
    assert store.head(LAYER).checksum == hist[1]["checksum"]
    rc, out, _ = run(capsys, monkeypatch, ["layers", "history", LAYER])
    assert "rollback <- v1" in out and "wrong survey" in out


def test_rollback_refusals_are_reported_and_audited(env, accounts, capsys, monkeypatch):
    store = get_store()
    store.publish(LAYER, zones(0.5), actor=auth.User("alice", auth.Role.STAFF), message="moved east")

    rc, _, err = run(capsys, monkeypatch, ["layers", "rollback", LAYER, "--to", "1", "--user", "boss"], "wrong-password")
    assert rc == 1 and "用户名或密码错误" in err and "Wrong user name or password" in err
    rc, _, err = run(capsys, monkeypatch, ["layers", "rollback", LAYER, "--to", "1", "--user", "alice", "--lang", "en"], STAFF_PW)
    assert rc == 1 and "needs the admin role" in err
    rc, _, err = run(capsys, monkeypatch, ["layers", "rollback", LAYER, "--to", "9", "--user", "boss", "--lang", "en"], ADMIN_PW)
    assert rc == 1 and "no version 9" in err
    assert store.head(LAYER).version == 2

    rc, out, _ = run(capsys, monkeypatch, ["layers", "audit", LAYER, "--format", "json"])
    got = [(e["actor"], e["action"], e["outcome"]) for e in json.loads(out)[:3]]
    assert got == [("boss", "rollback", "failed"), ("alice", "rollback", "denied"), ("(anonymous)", "rollback", "failed")]
    assert "login as 'boss' failed" in json.loads(out)[2]["reason"]


def test_unknown_layer_history_fails_cleanly(env, capsys, monkeypatch):
    rc, out, err = run(capsys, monkeypatch, ["layers", "history", "nope"])
    assert rc == 1 and out == "" and "No such layer" in err


def test_console_script_runs_in_a_subprocess(env):
    environ = {**os.environ, "URBANMAP_PASSWORD": ADMIN_PW}
    add = subprocess.run([sys.executable, "-m", "urbanmap.cli", "users", "add", "root", "--role", "admin"],
                         env=environ, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    assert add.returncode == 0, add.stderr
    listing = subprocess.run([sys.executable, "-m", "urbanmap.cli", "layers", "list", "--format", "json"],
                             env=environ, capture_output=True, text=True, timeout=120)
    assert listing.returncode == 0, listing.stderr
    assert [r["layer_id"] for r in json.loads(listing.stdout)] == [LAYER]
    assert auth.Users(env).authenticate("root", ADMIN_PW).role == auth.Role.ADMIN


# --------------------------------------------------------------------------- validate / publish (urbanmap.upload)


@pytest.fixture
def files(tmp_path):
    write_geojson(zones(0.5), tmp_path / "east.geojson")
    (tmp_path / "page.geojson").write_text("<html><body>not geodata</body></html>", encoding="utf-8")
    far = zones()
    far["geometry"] = far.geometry.translate(xoff=20)  # 122°E: in the sea east of China, not Yunnan
    write_geojson(far, tmp_path / "far.geojson")
    return tmp_path


def test_validate_exit_codes_and_messages(env, files, capsys, monkeypatch):
    rc, out, err = run(capsys, monkeypatch, ["layers", "validate", str(files / "east.geojson"), "--layer", LAYER])
    assert rc == 0, err
    assert json.loads(out)["features"] == 2
    for bad in ("page.geojson", "far.geojson"):
        rc, out, err = run(capsys, monkeypatch, ["layers", "validate", str(files / bad), "--layer", LAYER])
        assert rc == 1 and out == "" and err.strip(), bad
    assert get_store().head(LAYER).version == 1  # validation writes nothing
    assert [e["action"] for e in get_store().audit(LAYER)] == ["seed"]


def test_publish_validates_then_publishes(env, accounts, files, capsys, monkeypatch):
    rc, out, err = run(capsys, monkeypatch, ["layers", "publish", str(files / "east.geojson"), "--layer", LAYER,
                                             "-m", "moved east", "--user", "alice"], STAFF_PW)
    assert rc == 0, err
    info = json.loads(out)
    assert (info["version"], info["parent"], info["author"], info["message"]) == (2, 1, "alice", "moved east")
    got = get_store().read(LAYER)
    assert got["zid"].tolist() == ["z1", "z2"]
    assert got.geometry.iloc[0].equals(zones(0.5).geometry.iloc[0])


def test_publish_failures_are_audited_and_change_nothing(env, accounts, files, capsys, monkeypatch):
    store = get_store()
    before = store.head(LAYER)
    args = ["layers", "publish", str(files / "page.geojson"), "--layer", LAYER, "-m", "m", "--user", "alice", "--lang", "en"]
    rc, _, err = run(capsys, monkeypatch, args, STAFF_PW)
    assert rc == 1 and "geodata" in err
    args = ["layers", "publish", str(files / "east.geojson"), "--layer", LAYER, "-m", "m", "--user", "alice"]
    rc, _, err = run(capsys, monkeypatch, args, "not-her-password")
    assert rc == 1 and "Wrong user name or password" in err
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    rc, _, err = run(capsys, monkeypatch, args, None)  # no password source at all
    assert rc == 1 and "URBANMAP_PASSWORD" in err
    assert store.head(LAYER) == before
    reasons = [e["reason"] for e in store.audit(LAYER) if e["outcome"] == "failed"]
    assert any(r.startswith("upload rejected: ") and "page.geojson" in r for r in reasons)
    assert any("login as 'alice' failed" in r for r in reasons)
