"""Local accounts of a standalone office (no identity provider): users in the DuckDB file, the
password kept only as an argon2id hash (argon2-cffi, RFC 9106 defaults), never in clear.

Every change goes to the audit log in the same transaction as the change itself.
"""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core.contract import clock, roles
from core.contract.roles import RoleError, User
from core.store import audit
from core.store.db import fetch_df

_HASHER = PasswordHasher()
PASSWORD_MIN = 12
# A known hash to verify against when the name is unknown, so that a wrong name and a wrong
# password take the same time and say the same thing.
_DUMMY_HASH = _HASHER.hash("carbonwatch-no-such-user")


class AccountError(ValueError):
    """An account change that cannot be made (the message says why and what to do)."""


def check_password(password: str) -> None:
    if len(password or "") < PASSWORD_MIN:
        raise AccountError(f"a password has at least {PASSWORD_MIN} characters")


def add_user(con, name: str, role: str, provinces: frozenset[str] | None, password: str,
             by: User | None = None) -> User:
    """Create an account; refused when the name exists, the role/provinces do not fit, or the
    password is short. The audit entry is written in the same transaction."""
    try:
        roles.check_name(name)
        user = User(name, role, provinces or None, "local")
    except RoleError as e:
        raise AccountError(str(e)) from e
    check_password(password)
    con.execute("BEGIN TRANSACTION")
    try:
        if con.execute("SELECT count(*) FROM users WHERE name = ?", [name]).fetchone()[0]:
            raise AccountError(f"a user {name!r} exists already")
        con.execute("INSERT INTO users (name, role, provinces, password_hash, created_at, created_by) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [name, role, roles.provinces_text(user.provinces), _HASHER.hash(password), clock.now(),
                     (by or audit.SYSTEM).name])
        audit.record(con, by, "user_add", name, scope=user.scope,
                     after={"role": role, "provinces": roles.provinces_text(user.provinces)})
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return user


def count(con) -> int:
    """How many enabled accounts exist (none: the app is in demo mode on 127.0.0.1, or refuses).
    On its own cursor: every page run asks, concurrently, on the app's shared connection."""
    cur = con.cursor()
    try:
        return int(cur.execute("SELECT count(*) FROM users WHERE NOT disabled").fetchone()[0])
    finally:
        cur.close()


def users(con):
    """Every account without its hash: name, role, provinces, created_at, created_by, disabled."""
    return fetch_df(con, "SELECT name, role, provinces, created_at, created_by, disabled FROM users ORDER BY name")


def sign_in(con, name: str, password: str) -> User | None:
    """The user when name and password match an enabled account, else None (which of the two was
    wrong is not said). Both outcomes are audited."""
    row = con.execute("SELECT role, provinces, password_hash FROM users WHERE name = ? AND NOT disabled",
                      [name]).fetchone()
    try:
        _HASHER.verify(row[2] if row else _DUMMY_HASH, password)
        ok = row is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok:
        audit.record(con, None, "sign_in_failed", (name or "")[:64], outcome="refused", unknown=name or "?")
        return None
    user = User(name, row[0], roles.provinces_from_text(row[1]), "local")
    audit.record(con, user, "sign_in", name)
    return user


def change_user(con, name: str, *, role: str | None = None, provinces: frozenset[str] | None = None,
                clear_provinces: bool = False, password: str | None = None, disabled: bool | None = None,
                by: User | None = None) -> User:
    """Change an account's role, provinces, password or state; refused (AccountError) when the
    account does not exist or the result could not exist. The change and its audit entry (before
    and after, never a password or hash) commit together."""
    con.execute("BEGIN TRANSACTION")
    try:
        row = con.execute("SELECT role, provinces, disabled FROM users WHERE name = ?", [name]).fetchone()
        if row is None:
            raise AccountError(f"no user {name!r}")
        before = {"role": row[0], "provinces": row[1], "disabled": bool(row[2])}
        new_role = role or row[0]
        new_provinces = None if clear_provinces else (provinces if provinces is not None
                                                      else roles.provinces_from_text(row[1]))
        if new_role in roles.NATIONAL_ROLES and role is not None and provinces is None:
            new_provinces = None  # a national role sees every province: its old provinces go
        try:
            user = User(name, new_role, new_provinces or None, "local")
        except RoleError as e:
            raise AccountError(str(e)) from e
        after = {"role": new_role, "provinces": roles.provinces_text(user.provinces),
                 "disabled": before["disabled"] if disabled is None else bool(disabled)}
        if password is not None:
            check_password(password)
            con.execute("UPDATE users SET password_hash = ? WHERE name = ?", [_HASHER.hash(password), name])
        con.execute("UPDATE users SET role = ?, provinces = ?, disabled = ? WHERE name = ?",
                    [after["role"], after["provinces"], after["disabled"], name])
        audit.record(con, by, "user_change", name, scope=user.scope, before=before,
                     after={**after, **({"password": "changed"} if password is not None else {})})
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return user
