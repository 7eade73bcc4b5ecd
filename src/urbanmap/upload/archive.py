"""Zip / KMZ inspection before anything is unpacked.

The central directory is checked first — paths, links, encryption, member
count, declared sizes, compression ratio and extensions — and only then are
the few members we need read, in memory, each capped at its declared size
(``zipfile`` stops there and checks the CRC).  Nothing is extracted to disk.

Member names are never used as paths: the reader gets the bytes under fixed
names of its own.
"""

from __future__ import annotations

import io
import posixpath
import re
import stat
import zipfile
from dataclasses import dataclass, field

from .errors import UploadError, list_items

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # local file header / empty archive

SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
#: Sidecars that GIS software writes next to a shapefile; allowed but never read.
SHAPEFILE_SIDECARS = (".shp.xml", ".sbn", ".sbx", ".qix", ".qmd", ".aux.xml", ".cst", ".fix")
KMZ_PARTS = (".kml",)
KMZ_SIDECARS = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".svg")
#: Operating-system clutter that zips often carry; ignored.
_JUNK = re.compile(r"(^|/)(__MACOSX/|\._|\.DS_Store$|Thumbs\.db$|desktop\.ini$)", re.IGNORECASE)
_DRIVE = re.compile(r"^[A-Za-z]:")
#: Members smaller than this are not judged by their ratio (tiny files compress oddly).
_RATIO_MIN_BYTES = 1 << 20


def is_zip(data: bytes) -> bool:
    return data[:4] in ZIP_MAGIC


@dataclass
class Archive:
    """The checked archive: which datasets it holds; ``read(name)`` gets one's bytes."""

    zf: zipfile.ZipFile
    kind: str  # "shapefile" | "kmz"
    #: shapefile: display stem -> {".shp": info, ".dbf": info, ...}; kmz: name -> {".kml": info}
    datasets: dict[str, dict[str, zipfile.ZipInfo]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def read(self, name: str) -> dict[str, bytes]:
        """The members of one dataset, read in memory (each capped at its declared size)."""
        return {ext: _read_member(self.zf, info) for ext, info in self.datasets[name].items()}


def _suffix(name: str) -> str:
    low = name.lower()
    for ext in (*SHAPEFILE_SIDECARS, *SHAPEFILE_PARTS, *KMZ_PARTS, *KMZ_SIDECARS):
        if low.endswith(ext):
            return ext
    return posixpath.splitext(low)[1]


def _display_name(info: zipfile.ZipInfo) -> str:
    """The member name as the user wrote it.

    Zips made by Windows' built-in tool on Chinese systems store names in
    GBK without the UTF-8 flag; ``zipfile`` then decodes them as CP437.
    """
    name = info.filename
    if not info.flag_bits & 0x800 and not name.isascii():
        try:
            return name.encode("cp437").decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return name
    return name


def _check_name(info: zipfile.ZipInfo) -> str:
    """The member name, normalised to forward slashes, or an UploadError."""
    raw = _display_name(info)
    name = raw.replace("\\", "/")
    if "\x00" in name:
        raise UploadError("zip_path_traversal", f"NUL in member name {raw!r}", params={"name": repr(raw)})
    if name.startswith("/") or _DRIVE.match(name):
        raise UploadError("zip_absolute_path", f"absolute member {raw!r}", params={"name": raw})
    if ".." in name.split("/"):
        raise UploadError("zip_path_traversal", f"parent reference in {raw!r}", params={"name": raw})
    mode = info.external_attr >> 16
    if info.create_system == 3 and stat.S_ISLNK(mode):
        raise UploadError("zip_link", f"symlink member {raw!r}", params={"name": raw})
    if info.flag_bits & 0x1:
        raise UploadError("zip_encrypted", f"encrypted member {raw!r}", params={"name": raw})
    return name


def inspect_zip(data: bytes, limits) -> tuple[zipfile.ZipFile, list[tuple[zipfile.ZipInfo, str]]]:
    """Open the central directory and apply every cap; returns (zip, [(info, name)])."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise UploadError("corrupt_archive", f"zipfile: {exc}") from None
    if len(infos) > limits.max_members:
        raise UploadError("zip_too_many_members", f"{len(infos)} members",
                          params={"count": len(infos), "limit": limits.max_members})
    members = []
    total = compressed = 0
    for info in infos:
        name = _check_name(info)
        if info.is_dir():
            continue
        total += info.file_size
        compressed += info.compress_size
        if info.file_size >= _RATIO_MIN_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise UploadError("zip_ratio", f"{name}: {info.file_size} / {info.compress_size}",
                                  params={"ratio": int(ratio), "limit": int(limits.max_ratio)})
        members.append((info, name))
    if total > limits.max_uncompressed_bytes:
        raise UploadError("zip_too_large_uncompressed", f"{total} bytes declared",
                          params={"size_mb": round(total / 2**20, 1),
                                  "limit_mb": round(limits.max_uncompressed_bytes / 2**20, 1)})
    if total >= _RATIO_MIN_BYTES and total / max(compressed, 1) > limits.max_ratio:
        raise UploadError("zip_ratio", f"archive: {total} / {compressed}",
                          params={"ratio": int(total / max(compressed, 1)), "limit": int(limits.max_ratio)})
    return zf, members


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The member's bytes; never more than its declared size (the CRC is checked)."""
    try:
        with zf.open(info) as fh:
            data = fh.read(info.file_size + 1)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise UploadError("corrupt_archive", f"{info.filename}: {exc}") from None
    if len(data) != info.file_size:
        raise UploadError("corrupt_archive", f"{info.filename}: size {len(data)} != declared {info.file_size}")
    return data


def read_archive(data: bytes, limits) -> Archive:
    """Check an uploaded zip/KMZ and list the dataset(s) it holds (nothing is read yet)."""
    zf, members = inspect_zip(data, limits)
    ignored: list[str] = []
    shp: dict[str, dict[str, zipfile.ZipInfo]] = {}
    kml: dict[str, zipfile.ZipInfo] = {}
    unexpected: list[str] = []
    images: list[str] = []
    for info, name in members:
        if _JUNK.search(name):
            ignored.append(name)
            continue
        ext = _suffix(name)
        stem = name[: len(name) - len(ext)]
        if ext in SHAPEFILE_PARTS:
            parts = shp.setdefault(stem.lower(), {})
            if ext in parts:  # e.g. a.SHP and a.shp
                raise UploadError("zip_unexpected_member", f"duplicate {name}", params={"name": name})
            parts[ext] = info
        elif ext in KMZ_PARTS:
            kml[name] = info
        elif ext in SHAPEFILE_SIDECARS or ext in KMZ_SIDECARS:
            ignored.append(name)
            if ext in KMZ_SIDECARS:
                images.append(name)
        else:
            unexpected.append(name)
    if unexpected:
        raise UploadError("zip_unexpected_member", f"unexpected members {unexpected}",
                          params={"name": list_items(unexpected, 3)})
    if shp:
        if kml:
            raise UploadError("zip_unexpected_member", f"shapefile zip also holds {list(kml)}",
                              params={"name": list_items(kml, 3)})
        if images:
            raise UploadError("zip_unexpected_member", f"images in a shapefile zip: {images[:5]}",
                              params={"name": list_items(images, 3)})
        archive = Archive(zf, kind="shapefile", ignored=ignored)
        for stem, parts in sorted(shp.items()):
            display = posixpath.basename(_display_name(next(iter(parts.values()))).replace("\\", "/"))
            display = display[: len(display) - len(_suffix(display))]
            if ".shp" not in parts:
                if set(parts) <= {".prj", ".cpg"}:  # e.g. a stray projection file
                    ignored.extend(_display_name(i) for i in parts.values())
                    continue
                raise UploadError("shapefile_incomplete", f"{stem}: no .shp", params={"missing": f"{display}.shp"})
            missing = [e for e in (".shx", ".dbf") if e not in parts]
            if missing:
                raise UploadError("shapefile_incomplete", f"{stem}: missing {missing}",
                                  params={"missing": ", ".join(display + e for e in missing)})
            key = display if display not in archive.datasets else stem
            archive.datasets[key] = parts
        if not archive.datasets:
            raise UploadError("zip_no_data", "no .shp in archive")
        return archive
    if kml:
        archive = Archive(zf, kind="kmz", ignored=ignored)
        for name, info in sorted(kml.items()):
            archive.datasets[name] = {".kml": info}
        return archive
    raise UploadError("zip_no_data", f"members: {[n for _, n in members][:10]}")
