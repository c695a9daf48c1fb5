"""Who is looking: the roles, their rights, and the signed-in user.

One table (RIGHTS) says what each role may do; the sidebar's Account area shows it, every write
and export asks `User.can(right)`, and the query layer receives `User.scope` (never a scope of
its own choosing): a provincial analyst's provinces are applied to every query, chart, export,
model run and scenario, and a URL, a saved scenario or a shared link cannot widen them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from core.contract.access import Scope

ROLES = ("national_admin", "national_analyst", "provincial_analyst", "viewer")

# The rights, each a thing a user does that a role may be refused.
RIGHTS_ORDER = ("read", "export_aggregate", "export_enterprise", "run_models", "save_scenarios", "cases",
                "load_data", "manage_users", "read_audit", "all_provinces")

RIGHTS: dict[str, frozenset[str]] = {
    # national office: users, loads, everything
    "national_admin": frozenset(RIGHTS_ORDER),
    # national analysts: every province; read, run, what-if, cases; no loads, no accounts
    "national_analyst": frozenset({"read", "export_aggregate", "export_enterprise", "run_models", "save_scenarios",
                                   "cases", "all_provinces"}),
    # a provincial office: only the account's provinces; read, export and cases of those provinces
    "provincial_analyst": frozenset({"read", "export_aggregate", "export_enterprise", "cases"}),
    # read only; aggregate exports (the briefing) but no enterprise-level rows
    "viewer": frozenset({"read", "export_aggregate"}),
}

NATIONAL_ROLES = frozenset(r for r in ROLES if "all_provinces" in RIGHTS[r])
SOURCES = ("demo", "local", "oidc")  # how the user signed in
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")


class RoleError(ValueError):
    """An account definition that cannot be granted (unknown role, provinces where none belong)."""


@dataclass(frozen=True)
class User:
    """The signed-in user: a name, a role, the provinces of the account (None for a national role)
    and how they signed in."""

    name: str
    role: str
    provinces: frozenset[str] | None = None
    source: str = "local"

    def __post_init__(self):
        check(self.role, self.provinces)

    def can(self, right: str) -> bool:
        if right not in RIGHTS_ORDER:
            raise KeyError(f"no right {right!r}")
        return right in RIGHTS[self.role]

    @property
    def scope(self) -> Scope:
        """What the user may see: the account's provinces; the whole country for a national role
        (and for a viewer given no provinces: the national office's read-only accounts)."""
        return Scope.national() if self.role in NATIONAL_ROLES or not self.provinces else Scope.of(self.provinces)

    def within(self, deployment: Scope) -> Scope:
        """The user's scope inside the deployment's (CARBONWATCH_SCOPE): the narrower of the two."""
        mine = self.scope
        if deployment.provinces is None:
            return mine
        if mine.provinces is None:
            return deployment
        return Scope.of(mine.provinces & deployment.provinces)


def check(role: str, provinces: frozenset[str] | None) -> None:
    """Refuse an account that cannot exist: an unknown role, a provincial role without provinces,
    a national one restricted to some (say so rather than guess which was meant)."""
    if role not in ROLES:
        raise RoleError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    if role in NATIONAL_ROLES and provinces:
        raise RoleError(f"the role {role} sees every province: give no --provinces")
    if role == "provincial_analyst" and not provinces:
        raise RoleError(f"the role {role} needs its provinces (--provinces 37,32)")


SYSTEM = User("system", "national_admin", None, "local")  # the command line, the bench: no one signed in


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name or ""):
        raise RoleError("a user name is 2-64 characters: letters, digits and . _ @ - (starting with a letter or digit)")
    return name


def provinces_text(provinces: frozenset[str] | None) -> str:
    """How an account's provinces are stored: "" for none (national), else "32,37"."""
    return "" if not provinces else ",".join(sorted(provinces))


def provinces_from_text(text: str | None) -> frozenset[str] | None:
    return frozenset(text.split(",")) if text else None


def _values(claim) -> list[str]:
    """A claim as a list of strings: a list stays, "a, b" or "a b" splits."""
    if claim is None:
        return []
    if isinstance(claim, (list, tuple, set, frozenset)):
        return [str(v).strip() for v in claim if str(v).strip()]
    return [v for v in re.split(r"[,\s]+", str(claim)) if v]


def user_from_claims(claims: dict, config: dict) -> User:
    """The CarbonWatch user of an identity provider's claims (st.user), by the mapping of
    `[carbonwatch.oidc]` in .streamlit/secrets.toml:

        [carbonwatch.oidc]
        name_claim = "email"              # which claim names the user
        role_claim = "groups"             # which claim holds the groups
        provinces_claim = "province_codes" # which claim holds a provincial account's provinces
        [carbonwatch.oidc.roles]          # group -> role
        "cw-national-admins" = "national_admin"
        "cw-shandong" = "provincial_analyst"

    A user in several mapped groups gets the most privileged role (the order of ROLES). No mapped
    group, no name or a provincial role without provinces is refused (RoleError), never guessed."""
    oidc = dict(config.get("oidc") or {})
    mapping = {str(k): str(v) for k, v in dict(oidc.get("roles") or {}).items()}
    bad = sorted(set(mapping.values()) - set(ROLES))
    if bad:
        raise RoleError(f"[carbonwatch.oidc.roles] maps to unknown roles: {', '.join(bad)}")
    name = str(claims.get(oidc.get("name_claim", "email")) or claims.get("sub") or "").strip()
    if not name:
        raise RoleError("the identity provider sent no user name")
    granted = {mapping[g] for g in _values(claims.get(oidc.get("role_claim", "groups"))) if g in mapping}
    if not granted:
        raise RoleError(f"{name} is in no group that CarbonWatch maps to a role")
    role = next(r for r in ROLES if r in granted)
    provinces = frozenset(_values(claims.get(oidc.get("provinces_claim", "province_codes"))))
    if any(not re.fullmatch(r"\d{2}", p) for p in provinces):
        raise RoleError(f"the provinces claim of {name} holds something that is not a 2-digit province code")
    return User(name[:64], role, None if role in NATIONAL_ROLES else (provinces or None), "oidc")
