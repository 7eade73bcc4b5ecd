"""Zip / KMZ rules: checked on the central directory before any member is read."""

from __future__ import annotations

import os
import stat
import zipfile

import pytest

from test_upload_fixtures import (
    lps_gdf, rejected, shapefile_parts, spec, vrt_pointing_at, zip_bytes,
)
from urbanmap.upload import Limits, UploadOptions, validate_upload


@pytest.fixture
def no_member_reads(monkeypatch):
    """Fail the test if any zip member is opened (i.e. the rule did not fire first)."""
    original = zipfile.ZipFile.open

    def refuse(self, name, mode="r", *args, **kwargs):
        if mode == "r":
            raise AssertionError(f"zip member {name} read before the archive was judged")
        return original(self, name, mode, *args, **kwargs)  # building fixtures writes members

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)


@pytest.fixture(scope="module")
def parts():
    return shapefile_parts(lps_gdf(), "UTF-8")


def _with(parts: dict, **renames_and_extra) -> dict:
    return {**parts, **renames_and_extra}


@pytest.mark.parametrize("bad_name", ["../data.shp", "folder/../../data.shp", "..\\..\\data.shp"])
def test_parent_path_is_rejected_before_reading(parts, bad_name, no_member_reads):
    members = dict(parts)
    members[bad_name] = members.pop("data.shp")
    err = rejected("zip_path_traversal", zip_bytes(members), "upload.zip")
    assert bad_name in err.message("en")


@pytest.mark.parametrize("bad_name", ["/etc/cron.d/data.shp", "C:/Windows/data.shp"])
def test_absolute_path_is_rejected_before_reading(parts, bad_name, no_member_reads):
    members = dict(parts)
    members[bad_name] = members.pop("data.shp")
    err = rejected("zip_absolute_path", zip_bytes(members), "upload.zip")
    assert bad_name in err.message("zh")


def test_symlink_member_is_rejected(parts, no_member_reads):
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
        link = zipfile.ZipInfo("data.prj.lnk")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    rejected("zip_link", buf.getvalue(), "upload.zip")


def test_encrypted_member_is_rejected(parts, no_member_reads):
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name)
            zf.writestr(info, data)
    raw = bytearray(buf.getvalue())
    # set the "encrypted" flag bit in every central-directory entry
    at = raw.find(b"PK\x01\x02")
    while at >= 0:
        raw[at + 8] |= 0x1
        at = raw.find(b"PK\x01\x02", at + 4)
    rejected("zip_encrypted", bytes(raw), "upload.zip")


def test_zip_bomb_ratio_is_rejected_before_decompression(parts, no_member_reads):
    members = _with(parts)
    members["data.dbf"] = b"\0" * (8 << 20)  # 8 MB of zeros deflate to a few KB
    err = rejected("zip_ratio", zip_bytes(members), "upload.zip")
    assert err.params["ratio"] > Limits().max_ratio


def test_too_many_members_is_rejected(parts, no_member_reads):
    members = dict(parts)
    members.update({f"extra/{i}.prj": b"x" for i in range(Limits().max_members + 1)})
    err = rejected("zip_too_many_members", zip_bytes(members), "upload.zip")
    assert str(Limits().max_members) in err.message("en")


def test_total_uncompressed_size_cap(parts, no_member_reads):
    members = dict(parts)
    members["data.dbf"] = os.urandom(2 << 20)  # incompressible: ratio ~1, size 2 MB
    rejected("zip_too_large_uncompressed", zip_bytes(members), "upload.zip",
             limits=Limits(max_uncompressed_bytes=1 << 20))


def test_unexpected_extension_is_rejected(parts, no_member_reads):
    members = _with(parts, **{"evil.vrt": vrt_pointing_at("/etc/passwd")})
    err = rejected("zip_unexpected_member", zip_bytes(members), "upload.zip")
    assert "evil.vrt" in err.message("en")


def test_nested_archive_is_rejected(parts, no_member_reads):
    members = _with(parts, **{"more.zip": zip_bytes({"a.txt": b"x"})})
    rejected("zip_unexpected_member", zip_bytes(members), "upload.zip")


def test_vrt_disguised_as_shp_never_reaches_gdal(parts, monkeypatch):
    import pyogrio

    def refuse(*a, **k):
        raise AssertionError("GDAL was asked to open the disguised VRT")

    monkeypatch.setattr(pyogrio, "read_info", refuse)
    monkeypatch.setattr(pyogrio, "read_dataframe", refuse)
    members = _with(parts, **{"data.shp": vrt_pointing_at("/etc/passwd")})
    rejected("corrupt_file", zip_bytes(members), "upload.zip")


def test_truncated_zip_is_rejected(parts):
    data = zip_bytes(parts)
    err = rejected("corrupt_archive", data[: len(data) // 2], "upload.zip")
    assert "zip" in err.message("en").lower()


def test_member_with_bad_crc_is_rejected(parts):
    data = bytearray(zip_bytes(parts, compression=zipfile.ZIP_STORED))
    at = data.find(parts["data.dbf"][40:80])  # corrupt the stored DBF bytes, keep the header intact
    assert at > 0
    data[at:at + 8] = b"XXXXXXXX"
    rejected("corrupt_archive", bytes(data), "upload.zip")


def test_incomplete_shapefile_names_the_missing_part(parts):
    members = {k: v for k, v in parts.items() if not k.endswith(".shx")}
    err = rejected("shapefile_incomplete", zip_bytes(members), "upload.zip")
    assert "data.shx" in err.message("zh")


def test_archive_without_data(no_member_reads):
    rejected("zip_no_data", zip_bytes({"readme/": b"", "data.prj": b"GEOGCS[]"}), "upload.zip")


def test_clutter_and_sidecars_are_ignored_not_read(parts):
    members = _with(parts, **{
        "__MACOSX/._data.shp": b"\0\5\x16\7junk", ".DS_Store": b"junk", "data.shp.xml": b"<metadata/>",
        "data.sbn": b"\0" * 100, "data.sbx": b"\0" * 100,
    })
    result = validate_upload(zip_bytes(members), "upload.zip", spec())
    assert len(result.gdf) == 2
    notice = [w for w in result.warnings if w.code == "ignored_members"]
    assert notice and "data.sbn" in notice[0].message("en")


def test_shapefile_in_a_subfolder_loads(parts):
    members = {f"导出/{k}": v for k, v in parts.items()}
    result = validate_upload(zip_bytes(members), "upload.zip", spec())
    assert sorted(result.gdf["id"]) == ["lps-center-liuzhi", "lps-center-main"]


def test_two_shapefiles_require_a_choice(parts):
    members = dict(parts)
    members.update({k.replace("data", "other"): v for k, v in parts.items()})
    err = rejected("choose_layer", zip_bytes(members), "upload.zip")
    assert err.choices == ["data", "other"]
    result = validate_upload(zip_bytes(members), "upload.zip", spec(), UploadOptions(layer_name="other"))
    assert len(result.gdf) == 2 and result.layer == "other"


def test_gbk_member_names_from_windows_zip_are_shown_readably(parts):
    """Windows' built-in zip stores Chinese names in GBK without the UTF-8 flag."""
    members = {k.replace("data", "AAAAAA"): v for k, v in parts.items()}
    members.update({k.replace("data", "BBBB"): v for k, v in parts.items()})
    raw = zip_bytes(members)
    raw = raw.replace(b"AAAAAA.", "六盘水.".encode("gbk")).replace(b"BBBB.", "钟山.".encode("gbk"))
    assert "六盘水".encode("gbk") in raw and "六盘水".encode("utf-8") not in raw
    err = rejected("choose_layer", raw, "upload.zip")
    assert err.choices == ["六盘水", "钟山"]
    result = validate_upload(raw, "upload.zip", spec(), UploadOptions(layer_name="钟山"))
    assert result.layer == "钟山" and len(result.gdf) == 2
