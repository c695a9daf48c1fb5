"""Roles and rights (core.contract.roles): one table, scopes that only narrow, claims mapped to a
role or refused, never guessed."""
from __future__ import annotations

import pytest

from core.contract import roles
from core.contract.access import Scope
from core.contract.roles import RoleError, User


def test_every_role_has_a_row_of_known_rights_and_the_admin_has_them_all():
    assert set(roles.RIGHTS) == set(roles.ROLES)
    for granted in roles.RIGHTS.values():
        assert granted <= set(roles.RIGHTS_ORDER)
    assert roles.RIGHTS["national_admin"] == set(roles.RIGHTS_ORDER)
    viewer = User("v", "viewer")
    assert viewer.can("read") and not viewer.can("export_enterprise") and not viewer.can("run_models")
    with pytest.raises(KeyError):
        viewer.can("fly")


@pytest.mark.parametrize("role, provinces, scope", [
    ("national_admin", None, None), ("national_analyst", None, None),
    ("provincial_analyst", frozenset({"37", "32"}), {"37", "32"}), ("viewer", frozenset({"37"}), {"37"}),
    ("viewer", None, None),  # the national office's read-only accounts
])
def test_a_user_s_scope_is_its_provinces(role, provinces, scope):
    got = User("u", role, provinces).scope.provinces
    assert (set(got) if got is not None else None) == scope


def test_the_deployment_narrows_a_user_and_never_widens_one():
    shandong = User("sd", "provincial_analyst", frozenset({"37", "32"}))
    assert shandong.within(Scope.national()).provinces == {"37", "32"}
    assert shandong.within(Scope.of(["37", "11"])).provinces == {"37"}
    assert shandong.within(Scope.of(["11"])).provinces == frozenset()  # nothing in common: nothing seen
    assert User("n", "national_analyst").within(Scope.of(["37"])).provinces == {"37"}


@pytest.mark.parametrize("role, provinces, says", [
    ("root", None, "unknown role"), ("provincial_analyst", None, "needs its provinces"),
    ("national_analyst", frozenset({"37"}), "every province"),
])
def test_an_account_that_cannot_exist_is_refused(role, provinces, says):
    with pytest.raises(RoleError, match=says):
        User("u", role, provinces)


CONFIG = {"oidc": {"name_claim": "email", "role_claim": "groups", "provinces_claim": "province_codes",
                   "roles": {"cw-admins": "national_admin", "cw-analysts": "national_analyst",
                             "cw-provincial": "provincial_analyst", "cw-readers": "viewer"}}}


def test_claims_map_to_the_most_privileged_mapped_group():
    u = roles.user_from_claims({"email": "li@mee.gov.cn", "groups": ["other", "cw-readers", "cw-analysts"]}, CONFIG)
    assert (u.name, u.role, u.provinces, u.source) == ("li@mee.gov.cn", "national_analyst", None, "oidc")


@pytest.mark.parametrize("codes", ["37,32", ["37", "32"], "37 32"])
def test_a_provincial_account_takes_its_provinces_from_the_claim(codes):
    u = roles.user_from_claims({"email": "w@sd.gov.cn", "groups": "cw-provincial", "province_codes": codes}, CONFIG)
    assert u.role == "provincial_analyst" and u.scope.provinces == {"37", "32"}


@pytest.mark.parametrize("claims, says", [
    ({"email": "x@y", "groups": ["strangers"]}, "no group"),
    ({"email": "x@y", "groups": ["cw-provincial"]}, "needs its provinces"),
    ({"email": "x@y", "groups": ["cw-provincial"], "province_codes": "37,all"}, "2-digit"),
    ({"groups": ["cw-admins"]}, "no user name"),
])
def test_claims_that_fit_no_account_are_refused(claims, says):
    with pytest.raises(RoleError, match=says):
        roles.user_from_claims(claims, CONFIG)


def test_a_mapping_to_an_unknown_role_is_refused():
    with pytest.raises(RoleError, match="unknown roles"):
        roles.user_from_claims({"email": "x@y", "groups": ["g"]}, {"oidc": {"roles": {"g": "superuser"}}})


def test_every_page_query_without_the_scope_is_a_named_exception():
    from core.contract import access
    from core.store import catalog

    unscoped = {name for name in {**catalog.FILTERED, **catalog.NATIONAL}}
    assert unscoped == set(access.NATIONAL_EXCEPTIONS)
