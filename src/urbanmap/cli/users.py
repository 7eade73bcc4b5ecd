"""``urbanmap users``: staff and admin accounts.

Run on the server by whoever operates it (that is how the first admin is
created); passwords come from a prompt on a terminal or ``URBANMAP_PASSWORD``,
never from the command line (it would end up in the shell history and ``ps``).
Accounts live in the data directory (``URBANMAP_DATA_DIR``), not the repository.
"""

from __future__ import annotations

import json
import sys

ORDER = 30


def register(sub) -> None:
    p = sub.add_parser("users", help="staff/admin accounts: add, list, passwd, set-role, remove, unlock")
    usub = p.add_subparsers(dest="users_command", metavar="ACTION")
    usub.required = True

    q = usub.add_parser("add", help="create an account (password: prompt or URBANMAP_PASSWORD)")
    q.add_argument("name")
    q.add_argument("--role", choices=("staff", "admin"), required=True)
    q.set_defaults(func=cmd_add)

    q = usub.add_parser("list", help="accounts, roles and login lockouts")
    q.add_argument("--format", choices=("text", "json"), default="text")
    q.set_defaults(func=cmd_list)

    q = usub.add_parser("passwd", help="set a new password (password: prompt or URBANMAP_PASSWORD)")
    q.add_argument("name")
    q.set_defaults(func=cmd_passwd)

    q = usub.add_parser("set-role", help="change an account's role")
    q.add_argument("name")
    q.add_argument("role", choices=("staff", "admin"))
    q.set_defaults(func=cmd_set_role)

    q = usub.add_parser("remove", help="delete an account (its audit entries stay)")
    q.add_argument("name")
    q.set_defaults(func=cmd_remove)

    q = usub.add_parser("unlock", help="clear an account's failed-login lock")
    q.add_argument("name")
    q.set_defaults(func=cmd_unlock)


def _fail(exc) -> int:
    print(f"{exc.message('zh')}\n{exc.message('en')}", file=sys.stderr)
    return 1


def _run(fn) -> int:
    from ..auth import AuthError

    try:
        fn()
    except AuthError as exc:
        return _fail(exc)
    return 0


def _password(confirm: bool) -> str | None:
    from .layers import read_password

    pw = read_password("New password 新密码: ", confirm=confirm)
    if pw is None:
        print("需要密码：请在终端中运行，或设置环境变量 URBANMAP_PASSWORD。\n"
              "A password is needed: run in a terminal or set URBANMAP_PASSWORD.", file=sys.stderr)
    return pw


def cmd_add(args) -> int:
    from ..auth import Users, local_operator

    pw = _password(confirm=True)
    if pw is None:
        return 1
    rc = _run(lambda: Users().add(args.name, pw, args.role, actor=local_operator()))
    if rc == 0:
        print(f"added {args.name} ({args.role})")
    return rc


def cmd_list(args) -> int:
    from ..auth import Users

    rows = Users().list()
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("还没有账户：用 `urbanmap users add NAME --role admin` 创建第一个管理员。\n"
              "No accounts yet: create the first admin with `urbanmap users add NAME --role admin`.")
        return 0
    from .layers import _fmt_table

    print(_fmt_table([[r["name"], r["role"], r["created"], r["failed_logins"],
                       f"{r['locked_seconds']} s" if r["locked_seconds"] else "-"] for r in rows],
                     ["NAME", "ROLE", "CREATED (UTC)", "FAILED LOGINS", "LOCKED"]))
    return 0


def cmd_passwd(args) -> int:
    from ..auth import Users, local_operator

    pw = _password(confirm=True)
    if pw is None:
        return 1
    rc = _run(lambda: Users().set_password(args.name, pw, actor=local_operator()))
    if rc == 0:
        print(f"password of {args.name} changed")
    return rc


def cmd_set_role(args) -> int:
    from ..auth import Users, local_operator

    rc = _run(lambda: Users().set_role(args.name, args.role, actor=local_operator()))
    if rc == 0:
        print(f"{args.name} is now {args.role}")
    return rc


def cmd_remove(args) -> int:
    from ..auth import Users, local_operator

    rc = _run(lambda: Users().remove(args.name, actor=local_operator()))
    if rc == 0:
        print(f"removed {args.name}")
    return rc


def cmd_unlock(args) -> int:
    from ..auth import Users, local_operator

    rc = _run(lambda: Users().unlock(args.name, actor=local_operator()))
    if rc == 0:
        print(f"unlocked {args.name}")
    return rc
