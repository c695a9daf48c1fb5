"""Who is looking: sign-in, the demo role switch, the sidebar's Account area, and the one way an
export leaves the app (with its audit entry).

Which sign-in applies is decided once per run, in this order:
1. **OIDC** (production): `[auth]` in .streamlit/secrets.toml configures Streamlit's `st.login`;
   the identity provider's claims map to a role and provinces through `[carbonwatch.oidc]`
   (core.contract.roles.user_from_claims). See README "Sign-in".
2. **Local accounts** (a standalone office without an identity provider): when the database holds
   accounts (`python -m core.cli user add ...`), a sign-in form; passwords are argon2id hashes.
3. **Demo mode**: no sign-in configured and the server bound to the loopback address (`make run`):
   a banner says so and a role switch in the sidebar chooses who you are.
4. Anything else (another bind address without sign-in) is refused with what to configure.
"""
from __future__ import annotations

from typing import Callable

import pandas as pd
import streamlit as st

from core.contract import access, roles
from core.contract.roles import User
from core.store import accounts, audit
from core.words import i18n

SESSION_USER = "cw_user"  # a local account's User once signed in
DEMO_ROLE, DEMO_PROVINCES = "cw_demo_role", "cw_demo_provinces"
DEMO_DEFAULT_ROLE = "national_admin"  # `make run` opens as before: everything visible
DEMO_DEFAULT_PROVINCES = ("37",)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class SignInRequired(Exception):
    """Raised after the sign-in form (or the refusal) has been drawn: the page stops there."""


def _secrets_section(name: str) -> dict | None:
    try:
        return dict(st.secrets[name]) if name in st.secrets else None
    except Exception:  # no secrets file at all: Streamlit raises rather than answering "no"
        return None


def mode(con) -> str:
    """'oidc', 'local', 'demo' or 'refused' (see the module's docstring)."""
    if _secrets_section("auth"):
        return "oidc"
    if accounts.count(con):
        return "local"
    return "demo" if (st.get_option("server.address") or "") in LOOPBACK else "refused"


def identify(con, lang: str) -> User:
    """The user of this session; draws the sign-in (or the refusal) and raises SignInRequired when
    there is none yet."""
    how = mode(con)
    if how == "demo":
        return _demo_user()
    if how == "refused":
        st.error(f"**{i18n.t('auth.refused.title', lang)}**\n\n"
                 f"{i18n.t('auth.refused.body', lang, address=st.get_option('server.address') or '0.0.0.0')}",
                 icon=":material/lock:")
        raise SignInRequired
    if how == "oidc":
        return _oidc_user(con, lang)
    user = st.session_state.get(SESSION_USER)
    if isinstance(user, User):
        return user
    _sign_in_form(con, lang)
    raise SignInRequired


def _demo_user() -> User:
    """The demo user the session chose: DEMO_ROLE and DEMO_PROVINCES hold plain values (the
    widgets' own keys differ per language, their labels being words); anything else is the default."""
    role = st.session_state.get(DEMO_ROLE)
    role = role if role in roles.ROLES else DEMO_DEFAULT_ROLE
    known = access.province_names()
    provinces = frozenset(c for c in (st.session_state.get(DEMO_PROVINCES) or ()) if c in known)
    national = role in roles.NATIONAL_ROLES
    return User(f"demo-{role}", role, None if national else (provinces or frozenset(DEMO_DEFAULT_PROVINCES)), "demo")


def widget_key(name: str, lang: str) -> str:
    """The key of a demo switch's widget in `lang` (its value is copied to `name` on change)."""
    return f"{name}_widget_{lang}"


def _copy_switch(con, name: str, lang: str) -> None:
    st.session_state[name] = st.session_state[widget_key(name, lang)]
    _audit_demo_switch(con)


def _sign_in_form(con, lang: str) -> None:
    t = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    st.subheader(t("auth.sign_in.title"))
    with st.form("sign_in", border=True, enter_to_submit=True, clear_on_submit=True):
        name = st.text_input(t("auth.sign_in.name"), key="sign_in_name", max_chars=64)
        password = st.text_input(t("auth.sign_in.password"), type="password", key="sign_in_password", max_chars=256)
        go = st.form_submit_button(t("auth.sign_in.button"), icon=":material/login:")
    st.caption(t("auth.sign_in.caption"))
    if not go:
        return
    cur = con.cursor()
    try:
        user = accounts.sign_in(cur, name.strip(), password)
    finally:
        cur.close()
    if user is None:  # which of the two was wrong is not said
        st.error(t("auth.sign_in.wrong"), icon=":material/error:")
        return
    st.session_state[SESSION_USER] = user
    st.rerun()


def _oidc_user(con, lang: str) -> User:
    t = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    if not st.user.is_logged_in:
        st.subheader(t("auth.sign_in.title"))
        st.button(t("auth.oidc.button"), icon=":material/login:", on_click=st.login, key="oidc_login")
        raise SignInRequired
    claims = st.user.to_dict()
    try:
        user = roles.user_from_claims(claims, _secrets_section("carbonwatch") or {})
    except roles.RoleError as e:
        st.error(t("auth.oidc.no_role", problem=str(e)), icon=":material/lock:")
        st.button(t("auth.sign_out"), on_click=st.logout, key="oidc_logout")
        raise SignInRequired
    if st.session_state.get(SESSION_USER) != user:  # the first run of this sign-in: audit it once
        audit.record_apart(con, user, "sign_in", user.name, detail={"issuer": str(claims.get("iss", ""))})
        st.session_state[SESSION_USER] = user
    return user


# --- the sidebar's Account area ------------------------------------------------------------------

def account_box(con, user: User, lang: str) -> None:
    """Who is signed in, the role's rights (and every role's, the one table of core.contract.roles),
    and the way out; in demo mode the role switch."""
    t = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    box = st.sidebar.expander(t("auth.account", name=i18n.md_literal(user.name)), icon=":material/account_circle:",
                              expanded=user.source == "demo")
    with box:
        if user.source == "demo":
            st.caption(f":orange-badge[{t('auth.demo.badge')}] {t('auth.demo.caption')}")
            key = widget_key(DEMO_ROLE, lang)
            st.session_state[key] = user.role  # the widget follows the stored choice in every language
            st.selectbox(t("auth.demo.role"), roles.ROLES, key=key, format_func=lambda r: t(f"role.{r}"),
                         on_change=_copy_switch, args=(con, DEMO_ROLE, lang))
            if user.role not in roles.NATIONAL_ROLES:
                names = access.province_names()
                key = widget_key(DEMO_PROVINCES, lang)
                st.session_state[key] = sorted(user.provinces or DEMO_DEFAULT_PROVINCES)
                st.multiselect(t("auth.demo.provinces"), sorted(names), key=key, format_func=lambda c: names[c][lang],
                               on_change=_copy_switch, args=(con, DEMO_PROVINCES, lang))
        st.markdown(t("auth.who", name=i18n.md_literal(user.name), role=t(f"role.{user.role}"),
                      source=t(f"auth.source.{user.source}")))
        st.caption(t("auth.rights", rights=i18n.fmt_list((t(f"right.{r}") for r in roles.RIGHTS_ORDER
                                                           if user.can(r)), lang)))
        with st.popover(t("auth.roles_table"), width="stretch"):
            st.markdown(rights_markdown(lang))
        if user.source == "local":
            st.button(t("auth.sign_out"), icon=":material/logout:", on_click=_sign_out, args=(con, user),
                      key="sign_out", width="stretch")
        elif user.source == "oidc":
            st.button(t("auth.sign_out"), icon=":material/logout:", on_click=_oidc_sign_out, args=(con, user),
                      key="sign_out", width="stretch")


def rights_table(lang: str) -> pd.DataFrame:
    """core.contract.roles.RIGHTS as a table: one row per right, one column per role, ✓ where granted."""
    return pd.DataFrame({i18n.t("auth.col.right", lang): [i18n.t(f"right.{r}", lang) for r in roles.RIGHTS_ORDER],
                         **{i18n.t(f"role.{role}", lang): ["✓" if r in roles.RIGHTS[role] else "" for r in roles.RIGHTS_ORDER]
                            for role in roles.ROLES}})


def rights_markdown(lang: str) -> str:
    """rights_table as a Markdown table (the popover is narrow and read, not sorted)."""
    df = rights_table(lang)
    rows = [" | ".join(df.columns), " | ".join("---" for _ in df.columns),
            *(" | ".join(str(v) for v in r) for r in df.itertuples(index=False))]
    return "\n".join(f"| {r} |" for r in rows)


def _audit_demo_switch(con) -> None:
    user = _demo_user()
    audit.record_apart(con, user, "sign_in", user.name, detail={"demo": True})


def _sign_out(con, user: User) -> None:
    audit.record_apart(con, user, "sign_out", user.name)
    st.session_state.pop(SESSION_USER, None)


def _oidc_sign_out(con, user: User) -> None:
    _sign_out(con, user)
    st.logout()


def may(page, right: str, refused_key: str) -> bool:
    """Whether the page's user has `right`; if not, a caption (refused_key, with the role) says why
    the control beside it is disabled."""
    if page.user.can(right):
        return True
    st.caption(page.t(refused_key, role=page.t(f"role.{page.user.role}")))
    return False


# --- exports ---------------------------------------------------------------------------------------

def download(page, label: str, build: Callable[[], bytes], *, file_name: str, mime: str, level: str, what: str,
             key: str, help: str | None = None, icon: str | None = None, disabled: bool = False) -> None:
    """The one way a file leaves the app: a download button that builds the file when clicked and
    writes an audit entry (what, which file, which scope and filters, by whom). `level`
    'enterprise' (rows naming enterprises) needs the export_enterprise right, 'aggregate' the
    export_aggregate one; without it the button is shown disabled and says why."""
    right = {"enterprise": "export_enterprise", "aggregate": "export_aggregate"}[level]
    user, scope = page.user, page.scope
    if not user.can(right):
        st.download_button(label, b"", file_name=file_name, mime=mime, key=key, icon=icon, disabled=True,
                           help=page.t("auth.export.refused", role=page.t(f"role.{user.role}")))
        return
    con, filters = page.con, page.filters.to_query()

    def data() -> bytes:
        content = build()
        audit.record_apart(con, user, "export", file_name, scope=scope,
                           detail={"what": what, "level": level, "filters": filters, "bytes": len(content)})
        return content

    st.download_button(label, data, file_name=file_name, mime=mime, on_click="ignore", icon=icon, key=key,
                       help=help, disabled=disabled)

