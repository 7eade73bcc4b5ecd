"""数据管理 page (AppTest) and its glue: login, the upload wizard, choices, publish, history/rollback, users.

AppTest cannot drive ``st.file_uploader``, so the page's ``ui_upload.file_input``
indirection is monkeypatched to hand over fixture bytes; everything after it
(validation, options, diff, publish through the store) runs for real against a
temporary data directory.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from test_upload_fixtures import bowtie, gdf_geojson, shapefile_zip
from urbanmap import auth, catalog, staff, ui_upload
from urbanmap.store import Conflict, PermissionDenied, get_store
from urbanmap.upload import MESSAGES, UploadError

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "pages/upload.py"
LAYER = "control_zones"
STAFF_PW, ADMIN_PW = "staff-pass-123", "admin-pass-123"


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("URBANMAP_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    auth.add_user("alice", STAFF_PW, "staff", actor=auth.local_operator())
    auth.add_user("boss", ADMIN_PW, "admin", actor=auth.local_operator())
    return tmp_path


def zones() -> gpd.GeoDataFrame:
    return gpd.read_file(Path(__file__).resolve().parents[1] / "geodata" / "layers" / "control_zones.geojson")


def changed_zones() -> gpd.GeoDataFrame:
    g = zones()
    g.loc[0, "geometry"] = shapely.affinity.scale(g.geometry.iloc[0], 1.2, 1.2)
    g.loc[0, "name"] = "盘龙江蓝线（正式）"
    return g


class FakeFile:
    def __init__(self, name: str, data: bytes):
        self.name, self._data = name, data

    def getvalue(self) -> bytes:
        return self._data


def offer(monkeypatch, name: str, data: bytes) -> list[str]:
    """The first uploader of the session returns the file; later ones (after publish / start over) are empty."""
    calls: list[str] = []

    def fake(label, key, help):
        calls.append(key)
        return FakeFile(name, data) if key.endswith(":0") else None

    monkeypatch.setattr(ui_upload, "file_input", fake)
    return calls


def key(data: bytes, name: str) -> str:
    return f"up:{hashlib.sha256(data).hexdigest()[:16]}:{name}"


def run_page(user: str | None = None, lang: str = "zh", section: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if lang != "zh":
        at.query_params["lang"] = lang
    if user:
        at.session_state["user"] = auth.authenticate(user, STAFF_PW if user == "alice" else ADMIN_PW)
    if section:
        at.session_state["up:section"] = section
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r} among {[b.label for b in at.button]}"
    return found[0]


# --------------------------------------------------------------------------- login and roles


def test_viewer_sees_the_login_form_and_no_upload_widget(monkeypatch):
    calls = offer(monkeypatch, "z.geojson", gdf_geojson(changed_zones()))
    at = run_page()
    assert at.text_input(key="upload-login:name") is not None
    assert at.text_input(key="upload-login:password").proto.type == at.text_input(key="upload-login:password").proto.PASSWORD
    assert calls == [], "no uploader for viewers"
    assert any("请先登录" in i.value for i in at.info)
    assert "up:section" not in at.session_state


def test_wrong_password_is_refused_with_the_message(monkeypatch):
    offer(monkeypatch, "z.geojson", b"")
    at = run_page()
    at.text_input(key="upload-login:name").input("alice")
    at.text_input(key="upload-login:password").input("not-the-password")
    button(at, "登录").click().run()
    assert len(at.error) == 1 and at.error[0].value.startswith(auth.InvalidCredentials().message("zh"))
    assert "user" not in at.session_state


def test_staff_login_upload_preview_diff_and_publish(monkeypatch):
    data = gdf_geojson(changed_zones())
    calls = offer(monkeypatch, "zones.geojson", data)
    at = run_page()
    at.text_input(key="upload-login:name").input("alice")
    at.text_input(key="upload-login:password").input(STAFF_PW)
    button(at, "登录").click().run()
    assert not at.exception, at.exception
    assert calls, "staff get the uploader"
    assert any(s.value.startswith("校验通过：11 个要素") for s in at.success), [s.value for s in at.success]
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["新增"], metrics["删除"], metrics["修改"], metrics["未变"]) == ("0", "0", "1", "10")
    wiz = at.session_state[ui_upload.SS_WIZ]
    assert wiz.candidate.base.version == 1 and wiz.data == data, "the wizard keeps the bytes between reruns"

    store = get_store()
    at.text_area(key=key(data, "message")).input("盘龙江蓝线按批复调整")
    button(at, "发布为第 2 版").click().run()
    assert not at.exception, at.exception
    head = store.head(LAYER)
    assert (head.version, head.parent, head.author, head.message) == (2, 1, "alice", "盘龙江蓝线按批复调整")
    assert ui_upload.SS_WIZ not in at.session_state, "the wizard is cleared after publishing"
    assert any("第 2 版" in s.value for s in at.success)
    got = catalog.get_layer(LAYER)
    row = got[got["id"] == "cz-blue-1"].iloc[0]
    assert row["name"] == "盘龙江蓝线（正式）"
    assert row.geometry.equals_exact(changed_zones().geometry.iloc[0], 1e-9)


def test_publish_needs_a_message_and_writes_nothing_without(monkeypatch):
    data = gdf_geojson(changed_zones())
    offer(monkeypatch, "zones.geojson", data)
    at = run_page("alice")
    button(at, "发布为第 2 版").click().run()
    assert [e.value for e in at.error] == ["请填写发布说明（改了什么、依据是什么）。"]
    assert get_store().head(LAYER).version == 1


def test_identical_upload_offers_no_publish(monkeypatch):
    offer(monkeypatch, "zones.geojson", gdf_geojson(zones()))
    at = run_page("alice")
    assert any("完全相同" in i.value for i in at.info)
    assert not [b for b in at.button if b.label.startswith("发布为")]


# --------------------------------------------------------------------------- rejections and choices


def test_missing_crs_asks_for_a_choice_then_validates(monkeypatch):
    # every attribute the layer needs, in a Gauss-Krüger shapefile whose .prj is missing
    gk = zones().to_crs("EPSG:4543")
    for col in ("schematic", "demonstration"):
        gk[col] = gk[col].astype(str)
    data = shapefile_zip(gk.drop(columns=["schematic_note"]), "UTF-8", prj=False)
    offer(monkeypatch, "四线.zip", data)
    at = run_page("alice")
    assert [e.value for e in at.error] == [UploadError("no_crs").message("zh")]
    pick = at.selectbox(key=key(data, "pick_crs"))
    assert pick.value is None, "nothing is preselected: the system does not guess"
    assert "EPSG:4543" in pick.options[0]
    assert button(at, "使用此坐标系重新校验").disabled
    store = get_store()
    assert store.head(LAYER).version == 1
    assert any(e["reason"] == "upload rejected: no_crs (四线.zip)" and e["outcome"] == "failed" for e in store.audit(LAYER))

    pick.select_index(0).run()
    button(at, "使用此坐标系重新校验").click().run()
    assert not at.error, [e.value for e in at.error]
    assert any("EPSG:4543" in s.value for s in at.success)
    assert at.session_state[ui_upload.SS_WIZ].opts["crs"] == "EPSG:4543"


def test_undetectable_dbf_encoding_asks_and_shows_samples(monkeypatch):
    gk = zones().to_crs("EPSG:4543")
    for col in ("schematic", "demonstration"):
        gk[col] = gk[col].astype(str)
    gk = gk.drop(columns=["schematic_note"])
    for col in ("name", "role", "description", "source", "source_section", "line_type_zh", "legal_basis"):
        gk[col] = [f"①{i}" for i in range(len(gk))]  # GBK bytes, but not Chinese words: cannot be told apart
    data = shapefile_zip(gk, "GBK", cpg=False)
    offer(monkeypatch, "sixian.zip", data)
    at = run_page("alice")
    assert [e.value for e in at.error] == [MESSAGES["bad_encoding"][0]]
    samples = at.dataframe[0].value
    by_label = dict(zip(samples.iloc[:, 0], samples.iloc[:, 1]))
    assert by_label["GBK"].startswith("①0") and by_label["UTF-8"].startswith("✗")
    radio = at.radio(key=key(data, "pick_encoding"))
    assert radio.value is None and radio.options[0] == "GBK"
    radio.set_value("GBK").run()
    button(at, "使用此编码重新校验").click().run()
    assert not at.error, [e.value for e in at.error]
    wiz = at.session_state[ui_upload.SS_WIZ]
    assert wiz.candidate.upload.encoding == "GBK"
    assert wiz.candidate.gdf["name"].iloc[0] == "①0"


def test_invalid_geometry_is_listed_and_repaired_on_request(monkeypatch):
    bad = zones()
    bad.loc[3, "geometry"] = bowtie(102.70, 25.03)
    data = gdf_geojson(bad)
    offer(monkeypatch, "bad.geojson", data)
    at = run_page("alice", lang="en")
    assert at.error[0].value.startswith("1 feature(s) have invalid geometry: cz-green-2")
    table = at.dataframe[0].value
    assert list(table.iloc[:, 0]) == ["cz-green-2"] and "Self-intersection" in table.iloc[0, 1]
    button(at, "Repair the geometries and validate again").click().run()
    assert not at.error
    assert any("Repaired 1 invalid geometries" in w.value for w in at.warning)
    assert get_store().head(LAYER).version == 1


def test_file_that_is_not_geodata_says_what_is_supported(monkeypatch):
    offer(monkeypatch, "page.geojson", b"<html><body>not geodata</body></html>")
    at = run_page("alice", lang="en")
    assert [e.value for e in at.error] == [MESSAGES["not_geodata"][1]]
    assert any("Start over" in i.value for i in at.info)
    button(at, "Start over").click().run()
    assert ui_upload.SS_WIZ not in at.session_state


# --------------------------------------------------------------------------- concurrency


def test_a_publish_meanwhile_is_a_conflict_not_an_overwrite(monkeypatch):
    data = gdf_geojson(changed_zones())
    offer(monkeypatch, "zones.geojson", data)
    at = run_page("alice")
    cand = at.session_state[ui_upload.SS_WIZ].candidate
    store = get_store()
    other = zones()
    other.loc[1, "name"] = "别人改的"
    store.publish(LAYER, other, actor=auth.authenticate("boss", ADMIN_PW), message="meanwhile")
    with pytest.raises(Conflict):
        staff.publish(cand, auth.authenticate("alice", STAFF_PW), "mine", store=store)
    assert store.head(LAYER).message == "meanwhile"
    at.run()
    assert any("已在此期间发布了第 2 版" in w.value for w in at.warning)
    assert not [b for b in at.button if b.label.startswith("发布为")]
    button(at, "与最新版本重新比较").click().run()
    assert at.session_state[ui_upload.SS_WIZ].candidate.base.version == 2
    assert [b for b in at.button if b.label == "发布为第 3 版"]


# --------------------------------------------------------------------------- history, rollback, users


def _publish_twice(store):
    boss = auth.authenticate("boss", ADMIN_PW)
    store.publish(LAYER, changed_zones(), actor=boss, message="v2")


def test_rollback_is_hidden_for_staff_and_refused_by_the_store(monkeypatch):
    offer(monkeypatch, "x", b"")
    store = get_store()
    _publish_twice(store)
    at = run_page("alice", section="history")
    assert any("回滚需要管理员权限" in c.value for c in at.caption)
    assert not [b for b in at.button if b.label == "回滚"]
    with pytest.raises(PermissionDenied) as exc:
        store.rollback(LAYER, 1, actor=auth.authenticate("alice", STAFF_PW))
    assert "管理员" in exc.value.message("zh")
    assert store.head(LAYER).version == 2
    assert store.audit(LAYER)[0]["outcome"] == "denied"


def test_admin_rolls_back_through_the_form(monkeypatch):
    offer(monkeypatch, "x", b"")
    store = get_store()
    _publish_twice(store)
    at = run_page("boss", section="history")
    at.text_input(key=f"hist:why:{LAYER}").input("撤回错误的更新")
    button(at, "回滚").click().run()
    assert [e.value for e in at.error] == ["请先勾选确认。"]
    assert store.head(LAYER).version == 2
    at.checkbox(key=f"hist:sure:{LAYER}").check()
    button(at, "回滚").click().run()
    head = store.head(LAYER)
    assert (head.version, head.action, head.restored_from, head.author) == (3, "rollback", 1, "boss")
    assert any("第 3 版使用第 1 版的数据" in s.value for s in at.success)


def test_user_management_is_for_admins_only(monkeypatch):
    offer(monkeypatch, "x", b"")
    at = run_page("alice", section="users")
    assert at.session_state["up:section"] == "upload", "staff cannot open the users section"
    at = run_page("boss", section="users")
    at.text_input(key="users:add:name").input("carol")
    at.text_input(key="users:add:pw").input("carol-pass-123")
    button(at, "创建").click().run()
    assert not at.exception, at.exception
    assert auth.get_user("carol").role == auth.Role.STAFF
    assert any("carol" in s.value for s in at.success)


def test_audit_lists_the_publish_and_rejections(monkeypatch):
    offer(monkeypatch, "page.geojson", b"not geodata at all")
    run_page("alice")
    _publish_twice(get_store())
    at = run_page("alice", section="audit")
    table = at.dataframe[0].value
    reasons = " ".join(table.iloc[:, -1].astype(str))
    assert "upload rejected: not_geodata (page.geojson)" in reasons
    assert "发布" in set(table.iloc[:, 3])


# --------------------------------------------------------------------------- glue without Streamlit


def test_preview_collection_escapes_attribute_html():
    gdf = changed_zones()
    gdf.loc[0, "name"] = '<img src=x onerror="alert(1)">'
    spec = staff.get_spec(LAYER)
    fc = staff.preview_collection(gdf, spec, {"cz-blue-1": "changed"}, "zh")
    tip = fc["features"][0]["properties"]["_tip"]
    assert "<img" not in tip and "&lt;img" in tip
    assert fc["features"][0]["properties"]["_status"] == "changed"
    assert fc["features"][1]["properties"]["_status"] == "unchanged"
    assert set(fc["features"][0]["properties"]) == {"id", "_status", "_tip"}


def test_encoding_samples_decode_each_choice():
    gk = zones().to_crs("EPSG:4543")[["id", "name", "geometry"]]
    data = shapefile_zip(gk, "GBK", cpg=False)
    samples = staff.encoding_samples(data)
    assert samples["GBK"][0] == zones()["name"].iloc[0]
    assert samples["UTF-8"] is None
    assert staff.encoding_samples(b"not a zip") == {}


def test_prepare_reports_progress_and_rejection_is_audited():
    store = get_store()
    seen = []
    cand = staff.prepare(gdf_geojson(changed_zones()), "z.geojson", LAYER, store=store, progress=seen.append)
    assert seen == list(staff.STEPS) and cand.diff.changed == ["cz-blue-1"] and cand.base.version == 1
    staff.record_rejection(store, LAYER, auth.authenticate("alice", STAFF_PW), "no_crs", "a.zip", action="upload")
    entry = store.audit(LAYER)[0]
    assert (entry["action"], entry["actor"], entry["reason"]) == ("upload", "alice", "upload rejected: no_crs (a.zip)")


def test_file_names_are_shown_literally():
    assert ui_upload.md_escape("[x](javascript:alert(1))*b*") == r"\[x\]\(javascript\:alert\(1\)\)\*b\*"


def test_logged_in_staff_can_change_their_own_password(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from urbanmap import auth

    monkeypatch.setenv("URBANMAP_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    staff = auth.add_user("pwuser", "Old-Password-1", "staff", actor=auth.local_operator(), data_dir=tmp_path)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=90)
    at.session_state["user"] = staff
    at.run()
    at.switch_page("pages/upload.py").run()
    at.text_input(key="upload-login:pw:old").input("wrong-password")
    at.text_input(key="upload-login:pw:new").input("New-Password-22")
    at.text_input(key="upload-login:pw:again").input("New-Password-22")
    at.button(key="FormSubmitter:upload-login:pw-修改密码").click().run()
    assert any("用户名或密码错误" in e.value for e in at.error)
    at.text_input(key="upload-login:pw:old").input("Old-Password-1")
    at.text_input(key="upload-login:pw:new").input("New-Password-22")
    at.text_input(key="upload-login:pw:again").input("New-Password-22")
    at.button(key="FormSubmitter:upload-login:pw-修改密码").click().run()
    assert any("密码已修改" in s.value for s in at.success)
    assert auth.authenticate("pwuser", "New-Password-22", data_dir=tmp_path).name == "pwuser"


def test_preview_of_a_large_layer_is_lighter_but_keeps_every_feature(tmp_path, monkeypatch):
    import json

    monkeypatch.setenv("URBANMAP_DATA_DIR", str(tmp_path))
    from urbanmap.layers import get_spec

    gdf = catalog.get_layer("admin_county").copy()
    gdf["geometry"] = shapely.segmentize(gdf.geometry.values, 0.0005)  # as dense as a raw survey export
    spec = get_spec("admin_county")
    fc = staff.preview_collection(gdf, spec, {}, "zh")
    assert [f["properties"]["id"] for f in fc["features"]] == gdf["adcode"].astype(str).tolist()
    shown = sum(int(shapely.get_num_coordinates(shapely.geometry.shape(f["geometry"]))) for f in fc["features"])
    assert shown < int(shapely.get_num_coordinates(gdf.geometry.values).sum()) * 0.2
    assert len(json.dumps(fc)) < 4_000_000
    small = catalog.get_layer("control_zones")  # a small layer keeps its vertices
    fc_small = staff.preview_collection(small, get_spec("control_zones"), {}, "zh")
    assert sum(int(shapely.get_num_coordinates(shapely.geometry.shape(f["geometry"]))) for f in fc_small["features"]) \
        == int(shapely.get_num_coordinates(small.geometry.values).sum())
