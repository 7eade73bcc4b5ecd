"""Staff accounts: bcrypt hashing, login, rate limiting, roles, user management."""

from __future__ import annotations

import stat

import bcrypt
import pytest

from urbanmap import auth
from urbanmap.auth import (Forbidden, InvalidCredentials, InvalidName, InvalidRole, LockedOut, Role, User,
                           UserExists, Users, WeakPassword, local_operator)

PW = "Correct-Horse-42"


class Clock:
    def __init__(self, t: float = 1_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture(autouse=True)
def fast_bcrypt(monkeypatch):
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def users(tmp_path, clock):
    u = Users(tmp_path / "var", clock=clock)
    u.add("alice", PW, "staff", actor=local_operator())
    return u


def _db_bytes(users: Users) -> bytes:
    return b"".join(p.read_bytes() for p in users.data_dir.iterdir() if p.name.startswith("users.sqlite3"))


def test_password_is_stored_only_as_a_bcrypt_hash(users):
    raw = _db_bytes(users)
    assert PW.encode() not in raw
    stored = users._conn().execute("SELECT pw_hash FROM users WHERE name = 'alice'").fetchone()[0]
    assert stored.startswith("$2b$")
    assert bcrypt.checkpw(PW.encode(), stored.encode())  # a real bcrypt hash of this password
    assert not bcrypt.checkpw(b"something else", stored.encode())


def test_accounts_live_in_the_data_directory_with_private_permissions(users, tmp_path):
    assert users.path == tmp_path / "var" / "users.sqlite3"
    assert stat.S_IMODE(users.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(users.data_dir.stat().st_mode) == 0o700


def test_login_returns_the_user_with_its_role(users):
    assert users.authenticate("alice", PW) == User("alice", Role.STAFF)
    assert users.authenticate("  Alice ", PW).name == "alice"  # names are case-insensitive, trimmed


def test_wrong_password_and_unknown_user_get_the_same_answer(users):
    with pytest.raises(InvalidCredentials) as wrong:
        users.authenticate("alice", "not-the-password")
    with pytest.raises(InvalidCredentials) as unknown:
        users.authenticate("nobody", "not-the-password")
    assert wrong.value.message("zh") == unknown.value.message("zh")
    assert wrong.value.message("en") == unknown.value.message("en")
    assert "用户名或密码错误" in wrong.value.message("zh")


def test_repeated_failures_lock_the_account_with_a_growing_wait(users, clock):
    for i in range(auth.MAX_FAILURES - 1):
        with pytest.raises(InvalidCredentials):
            users.authenticate("alice", f"guess-{i}")
    with pytest.raises(LockedOut) as locked:
        users.authenticate("alice", "guess-last")
    assert locked.value.wait_seconds == 30
    assert "30 秒" in locked.value.message("zh") and "30 seconds" in locked.value.message("en")

    clock.t += 10
    with pytest.raises(LockedOut) as still:  # even the right password waits, and says for how long
        users.authenticate("alice", PW)
    assert still.value.wait_seconds == 20 and "20 秒" in still.value.message("zh")

    clock.t += 21
    with pytest.raises(LockedOut) as longer:  # one more failure after the lock: twice as long
        users.authenticate("alice", "guess-again")
    assert longer.value.wait_seconds == 60

    clock.t += 61
    assert users.authenticate("alice", PW).name == "alice"  # success clears the counter
    with pytest.raises(InvalidCredentials):
        users.authenticate("alice", "one-slip")


def test_lockout_survives_a_restart(users, clock, tmp_path):
    for i in range(auth.MAX_FAILURES):
        with pytest.raises((InvalidCredentials, LockedOut)):
            users.authenticate("alice", f"guess-{i}")
    restarted = Users(tmp_path / "var", clock=clock)
    with pytest.raises(LockedOut):
        restarted.authenticate("alice", PW)
    assert restarted.list()[0]["locked_seconds"] == 30


def test_unknown_names_are_rate_limited_too(users):
    for i in range(auth.MAX_FAILURES - 1):
        with pytest.raises(InvalidCredentials):
            users.authenticate("ghost", f"guess-{i}")
    with pytest.raises(LockedOut):
        users.authenticate("ghost", "guess")


def test_lock_is_per_name(users):
    users.add("bob", PW, "admin", actor=local_operator())
    for i in range(auth.MAX_FAILURES):
        with pytest.raises((InvalidCredentials, LockedOut)):
            users.authenticate("alice", f"guess-{i}")
    assert users.authenticate("bob", PW).role == Role.ADMIN


def test_lock_schedule():
    assert [auth.lock_seconds(n) for n in (1, 4, 5, 6, 7)] == [0, 0, 30, 60, 120]
    assert auth.lock_seconds(50) == auth.MAX_LOCK_SECONDS


@pytest.mark.parametrize("password", ["short", "x" * 73, "密码" * 13, "nul\x00byte-pass"])
def test_weak_or_overlong_passwords_are_refused(users, password):
    with pytest.raises(WeakPassword):
        users.add("carol", password, "staff", actor=local_operator())
    assert users.get("carol") is None


@pytest.mark.parametrize("name", ["a", "has space", "../etc", "x" * 65, "local:root"])
def test_bad_names_are_refused(users, name):
    with pytest.raises(InvalidName):
        users.add(name, PW, "staff", actor=local_operator())


@pytest.mark.parametrize("role", ["viewer", "root", ""])
def test_only_staff_and_admin_accounts_exist(users, role):
    with pytest.raises(InvalidRole):
        users.add("carol", PW, role, actor=local_operator())


def test_duplicate_names_are_refused_case_insensitively(users):
    with pytest.raises(UserExists):
        users.add("ALICE", PW, "admin", actor=local_operator())
    assert users.get("alice").role == Role.STAFF


def test_only_admins_manage_users(users):
    staff = users.authenticate("alice", PW)
    with pytest.raises(Forbidden):
        users.add("carol", PW, "admin", actor=staff)
    with pytest.raises(Forbidden):
        users.set_role("alice", "admin", actor=staff)
    with pytest.raises(Forbidden):
        users.add("carol", PW, "admin", actor=User("alice", Role.ADMIN))  # claiming a role is not having it
    admin = users.add("root1", PW, "admin", actor=local_operator())
    users.add("carol", PW, "staff", actor=admin)
    users.set_role("carol", "admin", actor=admin)
    assert users.get("carol").role == Role.ADMIN


def test_password_change_and_removal(users):
    op = local_operator()
    users.set_password("alice", "New-Password-1", actor=op)
    with pytest.raises(InvalidCredentials):
        users.authenticate("alice", PW)
    assert users.authenticate("alice", "New-Password-1").name == "alice"
    users.remove("alice", actor=op)
    assert users.get("alice") is None
    with pytest.raises(InvalidCredentials):
        users.authenticate("alice", "New-Password-1")


def test_listing_shows_roles_and_never_hashes(users):
    users.add("bob", PW, "admin", actor=local_operator())
    rows = users.list()
    assert [(r["name"], r["role"]) for r in rows] == [("alice", "staff"), ("bob", "admin")]
    assert not any("$2b$" in str(v) for r in rows for v in r.values())


def test_an_account_changes_its_own_password_after_proving_the_old_one(users):
    alice = users.authenticate("alice", PW)
    with pytest.raises(InvalidCredentials):
        users.change_own_password(alice, "not-the-password", "Brand-New-Pass-7")
    assert users.authenticate("alice", PW).name == "alice"  # unchanged after a wrong old password
    with pytest.raises(WeakPassword):
        users.change_own_password(alice, PW, "short")
    users.change_own_password(alice, PW, "Brand-New-Pass-7")
    with pytest.raises(InvalidCredentials):
        users.authenticate("alice", PW)
    assert users.authenticate("alice", "Brand-New-Pass-7").name == "alice"


def test_own_password_change_needs_a_real_account_and_counts_wrong_guesses(users, clock):
    with pytest.raises(Forbidden):
        users.change_own_password(User("mallory", Role.STAFF), PW, "Brand-New-Pass-7")
    alice = users.authenticate("alice", PW)
    for _ in range(auth.MAX_FAILURES - 1):
        with pytest.raises(InvalidCredentials):
            users.change_own_password(alice, "guess", "Brand-New-Pass-7")
    with pytest.raises(LockedOut):  # the failure that reaches the limit locks the name
        users.change_own_password(alice, "guess", "Brand-New-Pass-7")
    with pytest.raises(LockedOut):  # and even the right old password now waits
        users.change_own_password(alice, PW, "Brand-New-Pass-7")
