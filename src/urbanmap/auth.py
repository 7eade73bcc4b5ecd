"""Staff accounts, roles and login.

Roles: ``viewer`` (implicit: anyone, no account, no login), ``staff`` (may
upload and publish layers) and ``admin`` (may also roll back and manage
users).  Accounts live in ``users.sqlite3`` in the data directory
(:func:`config.data_dir`, never the repository); passwords are stored only as
bcrypt hashes.

Failed logins are rate-limited per user name (known or not, so the answer
never reveals whether a name exists): after :data:`MAX_FAILURES` failures in a
row the name is locked for :data:`BASE_LOCK_SECONDS`, and every further
failure after a lock doubles the wait (capped at :data:`MAX_LOCK_SECONDS`).
The counters are persisted, so restarting the app does not reset them; a
successful login clears them.

The layer store re-checks an actor's role against this database on every
write (:meth:`Users.resolve`), so a button hidden in the UI is never the only
guard, and a user demoted or removed while logged in loses the right at once.
"""

from __future__ import annotations

import logging
import math
import os
import re
import sqlite3
import threading
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Callable

import bcrypt

from . import config
from .usererror import UserFacingError

log = logging.getLogger(__name__)

#: bcrypt work factor.  12 is ~0.2-0.3 s per hash on a small server.
BCRYPT_ROUNDS = 12
#: consecutive failures before a name is locked
MAX_FAILURES = 5
BASE_LOCK_SECONDS = 30.0
MAX_LOCK_SECONDS = 3600.0
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_BYTES = 72  # bcrypt ignores anything beyond 72 bytes: refuse rather than truncate silently
USERS_DB = "users.sqlite3"

_NAME_RE = re.compile(r"^[\w.@-]{2,64}$")


class Role(str, Enum):
    VIEWER = "viewer"
    STAFF = "staff"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return {"viewer": 0, "staff": 1, "admin": 2}[self.value]

    def label(self, lang: str = "zh") -> str:
        zh = {"viewer": "访客", "staff": "工作人员", "admin": "管理员"}
        return self.value if lang == "en" else zh[self.value]


#: roles that can have an account (viewers never log in)
ACCOUNT_ROLES = (Role.STAFF, Role.ADMIN)


@dataclass(frozen=True)
class User:
    """Who is acting.  ``via`` is ``"login"`` for an authenticated account and
    ``"local"`` for the operator at the command line (see :func:`local_operator`)."""

    name: str
    role: Role
    via: str = "login"

    def has(self, needed: Role) -> bool:
        return Role(self.role).rank >= needed.rank


VIEWER = User(name="", role=Role.VIEWER, via="anonymous")


def local_operator() -> User:
    """The person at the shell, for ``urbanmap users ...``: whoever can run the
    CLI on the server can already read the data directory, so they may manage
    accounts (this is how the first admin is created).  The layer store does
    not accept this actor: publishing always needs a real account."""
    try:
        import getpass

        who = getpass.getuser()
    except Exception:  # pragma: no cover - no login name in some containers
        who = "unknown"
    return User(name=f"local:{who}", role=Role.ADMIN, via="local")


# --------------------------------------------------------------------------- errors


class AuthError(UserFacingError):
    """A login or account operation failed (``message(lang)`` for people, ``detail`` for logs)."""

    code = "auth_error"
    zh = "账户操作失败。"
    en = "The account operation failed."


class InvalidCredentials(AuthError):
    code = "invalid_credentials"
    zh = "用户名或密码错误。"
    en = "Wrong user name or password."


class LockedOut(AuthError):
    code = "locked_out"

    def __init__(self, name: str, wait_seconds: float):
        self.wait_seconds = max(1, math.ceil(wait_seconds))
        zh_wait, en_wait = _fmt_wait(self.wait_seconds)
        super().__init__(
            f"login for {name!r} locked for another {self.wait_seconds} s",
            zh=f"登录失败次数过多，该账户已暂时锁定，请在 {zh_wait}后重试。",
            en=f"Too many failed logins: this account is locked. Try again in {en_wait}.",
        )


class UserExists(AuthError):
    code = "user_exists"
    zh = "该用户名已存在，请换一个名字。"
    en = "That user name is taken; choose another."


class UnknownUser(AuthError):
    code = "unknown_user"
    zh = "没有这个用户。"
    en = "No such user."


class InvalidName(AuthError):
    code = "invalid_name"
    zh = "用户名须为 2–64 个字母、数字或 . _ @ - 字符。"
    en = "User names are 2-64 letters, digits or . _ @ - characters."


class WeakPassword(AuthError):
    code = "weak_password"
    zh = f"密码至少 {MIN_PASSWORD_CHARS} 个字符，且不超过 {MAX_PASSWORD_BYTES} 字节（UTF-8）。"
    en = f"Passwords need at least {MIN_PASSWORD_CHARS} characters and at most {MAX_PASSWORD_BYTES} bytes (UTF-8)."


class InvalidRole(AuthError):
    code = "invalid_role"
    zh = "角色只能是 staff（工作人员）或 admin（管理员）。"
    en = "The role must be staff or admin."


class Forbidden(AuthError):
    code = "permission_denied"
    zh = "只有管理员可以管理用户。"
    en = "Only administrators can manage users."


def _fmt_wait(seconds: int) -> tuple[str, str]:
    if seconds < 120:
        return f"{seconds} 秒", f"{seconds} seconds"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} 分钟", f"{minutes} minutes"


def lock_seconds(failures: int) -> float:
    """Lock length after ``failures`` consecutive failures (0 below the threshold)."""
    if failures < MAX_FAILURES:
        return 0.0
    return min(BASE_LOCK_SECONDS * 2 ** (failures - MAX_FAILURES), MAX_LOCK_SECONDS)


# --------------------------------------------------------------------------- the database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name       TEXT PRIMARY KEY COLLATE NOCASE,
    role       TEXT NOT NULL CHECK (role IN ('staff', 'admin')),
    pw_hash    TEXT NOT NULL,
    created    TEXT NOT NULL,
    updated    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS login_throttle (
    name         TEXT PRIMARY KEY,     -- normalised (casefolded) name, known or not
    failures     INTEGER NOT NULL,
    locked_until REAL NOT NULL,        -- unix time; 0 = not locked
    last_failure REAL NOT NULL
);
"""


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _norm_name(name: str) -> str:
    return unicodedata.normalize("NFKC", str(name or "")).strip()


def _check_password(password: str) -> bytes:
    if not isinstance(password, str):
        raise WeakPassword("password is not a string")
    raw = password.encode("utf-8")
    if len(password) < MIN_PASSWORD_CHARS or len(raw) > MAX_PASSWORD_BYTES or b"\x00" in raw:
        raise WeakPassword(f"password of {len(password)} chars / {len(raw)} bytes refused")
    return raw


def _role(role) -> Role:
    try:
        r = Role(role)
    except ValueError:
        raise InvalidRole(f"role {role!r}") from None
    if r not in ACCOUNT_ROLES:
        raise InvalidRole(f"role {role!r} cannot have an account")
    return r


class Users:
    """The account database of one data directory."""

    def __init__(self, data_dir: Path | None = None, *, clock: Callable[[], float] = time.time):
        self.data_dir = Path(data_dir) if data_dir is not None else config.data_dir()
        self.path = self.data_dir / USERS_DB
        self.clock = clock
        self._local = threading.local()
        self._dummy_hash: bytes | None = None

    # -- plumbing
    def _conn(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is not None and self._local.pid == os.getpid():
            return con
        if not self.data_dir.exists():
            self.data_dir.mkdir(parents=True, mode=0o700, exist_ok=True)
        fresh = not self.path.exists()
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        if fresh:
            try:
                os.chmod(self.path, 0o600)
            except OSError:  # pragma: no cover
                pass
        con.execute("PRAGMA busy_timeout=30000")
        con.executescript(_SCHEMA)
        self._local.con, self._local.pid = con, os.getpid()
        return con

    def _tx(self):
        return _Tx(self._conn())

    def _hash(self, raw: bytes) -> str:
        return bcrypt.hashpw(raw, bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode("ascii")

    def _burn(self, raw: bytes) -> None:
        """Spend the time of one bcrypt check, so unknown names answer as slowly as known ones."""
        if self._dummy_hash is None:
            self._dummy_hash = bcrypt.hashpw(b"not-a-password", bcrypt.gensalt(rounds=BCRYPT_ROUNDS))
        bcrypt.checkpw(raw[:MAX_PASSWORD_BYTES], self._dummy_hash)

    def _require_admin(self, actor: User | None) -> None:
        if not isinstance(actor, User):
            raise Forbidden("no actor")
        if actor.via == "local":
            return
        current = self.resolve(actor)
        if current is None or current.role != Role.ADMIN:
            raise Forbidden(f"{actor.name!r} is not an admin")

    # -- reads
    def get(self, name: str) -> User | None:
        row = self._conn().execute("SELECT name, role FROM users WHERE name = ?", (_norm_name(name),)).fetchone()
        return User(name=row[0], role=Role(row[1])) if row else None

    def list(self) -> list[dict]:
        now = self.clock()
        con = self._conn()
        throttle = {k: (f, lu) for k, f, lu in con.execute("SELECT name, failures, locked_until FROM login_throttle")}
        out = []
        for name, role, created, updated in con.execute("SELECT name, role, created, updated FROM users ORDER BY name"):
            failures, locked_until = throttle.get(name.casefold(), (0, 0.0))
            wait = locked_until - now
            out.append({
                "name": name, "role": role, "created": created, "updated": updated,
                "failed_logins": failures, "locked_seconds": math.ceil(wait) if wait > 0 else 0,
            })
        return out

    def resolve(self, actor: User | None) -> User | None:
        """The account behind ``actor`` with its *current* role, or None."""
        if not isinstance(actor, User) or actor.via != "login" or not actor.name:
            return None
        return self.get(actor.name)

    # -- login
    def authenticate(self, name: str, password: str) -> User:
        """The user, or :class:`InvalidCredentials` / :class:`LockedOut`."""
        name = _norm_name(name)
        key = name.casefold()
        now = self.clock()
        con = self._conn()
        row = con.execute("SELECT failures, locked_until FROM login_throttle WHERE name = ?", (key,)).fetchone()
        if row and row[1] > now:
            raise LockedOut(name, row[1] - now)
        raw = password.encode("utf-8") if isinstance(password, str) else b""
        urow = con.execute("SELECT name, role, pw_hash FROM users WHERE name = ?", (name,)).fetchone() if name else None
        ok = False
        if urow is None or not raw or len(raw) > MAX_PASSWORD_BYTES:
            self._burn(raw or b"x")
        else:
            ok = bcrypt.checkpw(raw, urow[2].encode("ascii"))
        if ok:
            with self._tx() as c:
                c.execute("DELETE FROM login_throttle WHERE name = ?", (key,))
            return User(name=urow[0], role=Role(urow[1]))
        with self._tx() as c:  # re-read inside the write lock: concurrent failures all count
            row = c.execute("SELECT failures FROM login_throttle WHERE name = ?", (key,)).fetchone()
            failures = (row[0] if row else 0) + 1
            lock = lock_seconds(failures)
            c.execute(
                "INSERT INTO login_throttle(name, failures, locked_until, last_failure) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET failures = excluded.failures, "
                "locked_until = excluded.locked_until, last_failure = excluded.last_failure",
                (key, failures, now + lock if lock else 0.0, now),
            )
        log.warning("failed login for %r (%d in a row)", name, failures)
        if lock:
            raise LockedOut(name, lock)
        left = MAX_FAILURES - failures
        raise InvalidCredentials(
            f"failed login for {name!r} ({failures} in a row)",
            zh=f"用户名或密码错误。再失败 {left} 次将暂时锁定 {int(BASE_LOCK_SECONDS)} 秒。",
            en=f"Wrong user name or password. {left} more failure(s) lock the account for {int(BASE_LOCK_SECONDS)} seconds.",
        )

    # -- management (admins, or the local operator at the shell)
    def add(self, name: str, password: str, role, *, actor: User) -> User:
        self._require_admin(actor)
        name = _norm_name(name)
        if not _NAME_RE.match(name) or name.startswith("local:"):
            raise InvalidName(f"user name {name!r}")
        r = _role(role)
        pw_hash = self._hash(_check_password(password))
        stamp = _now_iso()
        try:
            with self._tx() as c:
                c.execute("INSERT INTO users(name, role, pw_hash, created, updated) VALUES (?, ?, ?, ?, ?)",
                          (name, r.value, pw_hash, stamp, stamp))
        except sqlite3.IntegrityError:
            raise UserExists(f"user {name!r} exists") from None
        log.info("user %r added as %s by %s", name, r.value, actor.name)
        return User(name=name, role=r)

    def set_password(self, name: str, password: str, *, actor: User) -> None:
        self._require_admin(actor)
        pw_hash = self._hash(_check_password(password))
        with self._tx() as c:
            cur = c.execute("UPDATE users SET pw_hash = ?, updated = ? WHERE name = ?", (pw_hash, _now_iso(), _norm_name(name)))
            if cur.rowcount == 0:
                raise UnknownUser(f"no user {name!r}")
            c.execute("DELETE FROM login_throttle WHERE name = ?", (_norm_name(name).casefold(),))

    def change_own_password(self, actor: User, old_password: str, new_password: str) -> None:
        """An account changes its own password; the old one is checked like a login
        (wrong guesses count towards the lock-out)."""
        current = self.resolve(actor)
        if current is None:
            raise Forbidden("no account behind this actor")
        self.authenticate(current.name, old_password)  # InvalidCredentials / LockedOut
        pw_hash = self._hash(_check_password(new_password))
        with self._tx() as c:
            c.execute("UPDATE users SET pw_hash = ?, updated = ? WHERE name = ?", (pw_hash, _now_iso(), current.name))

    def set_role(self, name: str, role, *, actor: User) -> None:
        self._require_admin(actor)
        r = _role(role)
        with self._tx() as c:
            cur = c.execute("UPDATE users SET role = ?, updated = ? WHERE name = ?", (r.value, _now_iso(), _norm_name(name)))
            if cur.rowcount == 0:
                raise UnknownUser(f"no user {name!r}")

    def remove(self, name: str, *, actor: User) -> None:
        self._require_admin(actor)
        with self._tx() as c:
            cur = c.execute("DELETE FROM users WHERE name = ?", (_norm_name(name),))
            if cur.rowcount == 0:
                raise UnknownUser(f"no user {name!r}")

    def unlock(self, name: str, *, actor: User) -> None:
        self._require_admin(actor)
        with self._tx() as c:
            c.execute("DELETE FROM login_throttle WHERE name = ?", (_norm_name(name).casefold(),))


class _Tx:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on any error)."""

    def __init__(self, con: sqlite3.Connection):
        self.con = con

    def __enter__(self) -> sqlite3.Connection:
        self.con.execute("BEGIN IMMEDIATE")
        return self.con

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.con.execute("COMMIT")
        elif self.con.in_transaction:
            self.con.execute("ROLLBACK")
        return False


# --------------------------------------------------------------------------- module-level shortcuts


def users(data_dir: Path | None = None) -> Users:
    return Users(data_dir)


def authenticate(name: str, password: str, data_dir: Path | None = None) -> User:
    return Users(data_dir).authenticate(name, password)


def add_user(name: str, password: str, role, *, actor: User, data_dir: Path | None = None) -> User:
    return Users(data_dir).add(name, password, role, actor=actor)


def get_user(name: str, data_dir: Path | None = None) -> User | None:
    return Users(data_dir).get(name)


def list_users(data_dir: Path | None = None) -> list[dict]:
    return Users(data_dir).list()


def set_password(name: str, password: str, *, actor: User, data_dir: Path | None = None) -> None:
    Users(data_dir).set_password(name, password, actor=actor)


def set_role(name: str, role, *, actor: User, data_dir: Path | None = None) -> None:
    Users(data_dir).set_role(name, role, actor=actor)


def remove_user(name: str, *, actor: User, data_dir: Path | None = None) -> None:
    Users(data_dir).remove(name, actor=actor)
