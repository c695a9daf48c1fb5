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
    """How many enabled accounts exist (none: the app is in demo mode on 127.0.0.1, or refuses)."""
    return int(con.execute("SELECT count(*) FROM users WHERE NOT disabled").fetchone()[0])


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
