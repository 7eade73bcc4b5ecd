"""``urbanmap layers``: list, history, audit, validate, publish, rollback.

The same pipeline as the upload page: ``validate`` and ``publish`` run the
upload checks of :mod:`urbanmap.upload`; ``publish`` and ``rollback`` log in
(password from ``URBANMAP_PASSWORD`` or a prompt on a terminal) and go
through the store API, which checks the role and audits every attempt.

Exit codes: 0 success, 1 rejected (invalid file, wrong password, no
permission, conflict, nothing changed), 2 usage error.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ORDER = 20


def register(sub) -> None:
    p = sub.add_parser("layers", help="versioned map layers: list, history, validate, publish, rollback")
    lsub = p.add_subparsers(dest="layers_command", metavar="ACTION")
    lsub.required = True

    q = lsub.add_parser("list", help="every layer with its current version")
    q.add_argument("--format", choices=("text", "json"), default="text")
    q.set_defaults(func=cmd_list)

    q = lsub.add_parser("history", help="versions of a layer, newest first")
    q.add_argument("layer")
    q.add_argument("--format", choices=("text", "json"), default="text")
    q.set_defaults(func=cmd_history)

    q = lsub.add_parser("audit", help="audit log: publishes, rollbacks, failed and denied attempts")
    q.add_argument("layer", nargs="?")
    q.add_argument("--limit", type=int, default=50)
    q.add_argument("--format", choices=("text", "json"), default="text")
    q.set_defaults(func=cmd_audit)

    for name, helptext in (("validate", "check an upload file for a layer (nothing is written)"),
                           ("publish", "validate a file and publish it as the layer's new version")):
        q = lsub.add_parser(name, help=helptext)
        q.add_argument("file", type=Path)
        q.add_argument("--layer", required=True, help="layer id (see `urbanmap layers list`)")
        q.add_argument("--encoding", help="DBF text encoding when the shapefile has no .cpg, e.g. GBK")
        q.add_argument("--crs", help="CRS when the file has none, e.g. EPSG:4490, EPSG:4545 or GCJ-02")
        q.add_argument("--source-layer", help="layer inside a GeoPackage/KML holding several")
        q.add_argument("--make-valid", action="store_true", help="repair invalid geometries instead of rejecting them")
        q.add_argument("--lang", choices=("zh", "en"), default=None, help="message language (default: both)")
        if name == "publish":
            q.add_argument("-m", "--message", required=True, help="what changed and on what basis")
            q.add_argument("--user", required=True, help="staff or admin account")
        q.set_defaults(func=cmd_validate if name == "validate" else cmd_publish)

    q = lsub.add_parser("rollback", help="publish an old version's data as the new current version (admin)")
    q.add_argument("layer")
    q.add_argument("--to", type=int, required=True, metavar="VERSION")
    q.add_argument("--user", required=True, help="admin account")
    q.add_argument("-m", "--message", default="", help="why (default: 'rollback to version N')")
    q.add_argument("--lang", choices=("zh", "en"), default=None)
    q.set_defaults(func=cmd_rollback)


# --------------------------------------------------------------------------- helpers


def _say(err, lang: str | None) -> str:
    """A user-facing error message in one language, or zh then en."""
    if lang:
        return err.message(lang)
    zh, en = err.message("zh"), err.message("en")
    return zh if zh == en else f"{zh}\n{en}"


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def read_password(prompt: str = "Password 密码: ", confirm: bool = False) -> str | None:
    """``URBANMAP_PASSWORD`` if set, else a prompt on a terminal, else None."""
    env = os.environ.get("URBANMAP_PASSWORD")
    if env is not None:
        return env
    if not sys.stdin.isatty():
        return None
    import getpass

    pw = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat 再次输入: ") != pw:
        _err("密码两次输入不一致。\nThe passwords do not match.")
        return None
    return pw


def _login(name: str, lang: str | None, layer_id: str | None, action: str):
    """The authenticated user, or None after printing why (and auditing the attempt)."""
    from ..auth import AuthError, authenticate
    from ..store import get_store

    pw = read_password()
    if pw is None:
        _err("需要密码：请在终端中运行，或设置环境变量 URBANMAP_PASSWORD。\n"
             "A password is needed: run in a terminal or set URBANMAP_PASSWORD.")
        return None
    try:
        return authenticate(name, pw)
    except AuthError as exc:
        _err(_say(exc, lang))
        get_store().record_failure(layer_id, actor=None, action=action,
                                   reason=f"login as {name!r} failed: {exc.code}")
        return None


def _fmt_table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def _ordered_ids(store) -> list[str]:
    from ..staff import ordered_layer_ids

    return ordered_layer_ids(store)


# --------------------------------------------------------------------------- commands


def cmd_list(args) -> int:
    from ..layers import get_spec
    from ..store import get_store

    store = get_store()
    infos = [store.head(i) for i in _ordered_ids(store)]
    if args.format == "json":
        print(json.dumps([i.to_dict() for i in infos], ensure_ascii=False, indent=2))
        return 0
    rows = []
    for i in infos:
        try:
            title = get_spec(i.layer_id).title_zh
        except KeyError:
            title = ""
        rows.append([i.layer_id, i.version, i.feature_count, i.created[:19].replace("T", " "), i.author, title])
    print(_fmt_table(rows, ["LAYER", "VERSION", "FEATURES", "UPDATED (UTC)", "AUTHOR", "TITLE"]))
    return 0


def cmd_history(args) -> int:
    from ..store import StoreError, get_store

    try:
        versions = get_store().history(args.layer)
    except StoreError as exc:
        _err(_say(exc, None))
        return 1
    if args.format == "json":
        print(json.dumps([v.to_dict() for v in versions], ensure_ascii=False, indent=2))
        return 0
    rows = [[v.version, v.created[:19].replace("T", " "), v.author, v.action + (f" <- v{v.restored_from}" if v.restored_from else ""),
             v.feature_count, v.parent if v.parent is not None else "-", v.checksum[:12], v.message] for v in versions]
    print(_fmt_table(rows, ["VERSION", "CREATED (UTC)", "AUTHOR", "ACTION", "FEATURES", "PARENT", "CHECKSUM", "MESSAGE"]))
    return 0


def cmd_audit(args) -> int:
    from ..store import get_store

    entries = get_store().audit(args.layer, limit=args.limit)
    if args.format == "json":
        print(json.dumps(entries, ensure_ascii=False, indent=2))
        return 0
    rows = [[e["ts"][:19].replace("T", " "), e["actor"], e["action"], e["layer_id"] or "-",
             e["version"] if e["version"] is not None else "-", e["outcome"], e["reason"] or e["message"]] for e in entries]
    print(_fmt_table(rows, ["TIME (UTC)", "ACTOR", "ACTION", "LAYER", "VERSION", "OUTCOME", "REASON"]))
    return 0


def _validate(args):
    """(ValidatedUpload, None) or (None, UploadError/StoreError) after printing the problem."""
    from .. import staff
    from ..layers import get_spec
    from ..upload import UploadError, UploadOptions

    try:
        get_spec(args.layer)
    except KeyError:
        _err(f"没有图层 {args.layer}（见 `urbanmap layers list`）。\nNo layer {args.layer} (see `urbanmap layers list`).")
        return None, "unknown_layer"
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        _err(f"无法读取文件 {args.file}：{exc.strerror}\nCannot read {args.file}: {exc.strerror}")
        return None, "unreadable_file"
    options = UploadOptions(encoding=args.encoding, crs=args.crs, layer_name=args.source_layer, make_valid=args.make_valid)
    try:
        result = staff.validate(data, args.file.name, args.layer, options)
    except UploadError as exc:
        _err(_say(exc, args.lang))
        if exc.choices:
            _err("可选 / choices: " + ", ".join(exc.choices))
        return None, exc.code
    for w in result.warnings:
        _err(str(w))
    return result, None


def cmd_validate(args) -> int:
    result, _code = _validate(args)
    if result is None:
        return 1
    print(json.dumps({
        "valid": True, "layer": args.layer, "features": len(result.gdf), "format": result.source_format,
        "source_crs": result.source_crs, "encoding": result.encoding, "warnings": [str(w) for w in result.warnings],
    }, ensure_ascii=False))
    return 0


def cmd_publish(args) -> int:
    from .. import staff
    from ..store import StoreError, get_store

    store = get_store()
    user = _login(args.user, args.lang, args.layer, "publish")
    if user is None:
        return 1
    result, code = _validate(args)
    if result is None:
        staff.record_rejection(store, args.layer, user, code, args.file.name)
        return 1
    try:
        candidate = staff.compare(store, args.layer, result, args.file.name)
        _err(candidate.diff.summary(args.lang or "zh"))
        info = staff.publish(candidate, user, args.message, store=store)
    except StoreError as exc:  # already audited by the store
        _err(_say(exc, args.lang))
        return 1
    print(json.dumps(info.to_dict(), ensure_ascii=False))
    return 0


def cmd_rollback(args) -> int:
    from ..store import StoreError, get_store

    store = get_store()
    user = _login(args.user, args.lang, args.layer, "rollback")
    if user is None:
        return 1
    try:
        info = store.rollback(args.layer, args.to, actor=user, message=args.message)
    except StoreError as exc:
        _err(_say(exc, args.lang))
        return 1
    print(json.dumps(info.to_dict(), ensure_ascii=False))
    return 0
