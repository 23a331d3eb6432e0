"""Pages for admins: channel rules and their history, platform roles, console accounts and
their linked identities and API tokens. A moderator is refused (and the refusal audited)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from adapters.web.console import accounts as store
from adapters.web.console import actions
from adapters.web.console.channels import MODES, rule_history, seen_channels
from adapters.web.console.principal import ROLES, Principal
from adapters.web.console.sessions import sessions_of
from adapters.web.console.tokens import create_token, list_tokens, revoke_token
from adapters.web.console.web import PATH, Web
from bot.services import DraftgateError, grant_role
from bot.store.models import Person, RoleGrant

__all__ = ["admin_routes"]


def admin_routes(web: Web) -> APIRouter:
    router = APIRouter()
    core = web.core

    async def admin(request: Request, action: str) -> Principal | Response:
        who = await web.who(request)
        if who is None:
            return await web.signed_out(request)
        if not who.is_admin:
            return await web.forbidden(request, who, action=action)
        return who

    async def admin_form(request: Request, csrf: str, action: str, **where: str | None) -> Principal | Response:
        who = await web.form(request, csrf)
        if isinstance(who, Response):
            return who
        if not who.is_admin:
            return await web.forbidden(request, who, action=action, **where)
        return who

    # --- channel rules -------------------------------------------------------------------------

    @router.get("/rules")
    async def rules(request: Request) -> Response:
        who = await admin(request, "console.rules.view")
        if isinstance(who, Response):
            return who
        return web.page(request, "rules.html", who, channels=await seen_channels(core), modes=MODES,
                        default=core.settings.default_mode.value, shared=core.settings.shared_channel_mode.value,
                        nav="rules")

    @router.post("/rules")
    async def change_rule(request: Request, csrf: str = Form("", max_length=200), platform: str = Form("", max_length=200),
                          workspace: str = Form("", max_length=200), channel: str = Form("", max_length=200),
                          mode: str = Form("", max_length=50)) -> Response:
        who = await admin_form(request, csrf, "rule.set", platform=platform[:32] or None, channel=channel[:128] or None)
        if isinstance(who, Response):
            return who
        try:
            message = await actions.change_rule(core, who, platform=platform, workspace=workspace, channel=channel,
                                                mode=None if mode in ("", "default") else mode)
        except DraftgateError as error:
            return web.redirect(f"{PATH}/rules", flash=error.message, error=True)
        return web.redirect(f"{PATH}/rules", flash=message)

    @router.get("/rules/history")
    async def history(request: Request, platform: str = "", workspace: str = "", channel: str = "") -> Response:
        who = await admin(request, "console.rules.view")
        if isinstance(who, Response):
            return who
        rows = await rule_history(core, platform=platform[:32], workspace=workspace[:128], channel=channel[:128])
        return web.page(request, "rule_history.html", who, rows=rows, platform=platform, workspace=workspace,
                        channel=channel, nav="rules")

    # --- platform roles ------------------------------------------------------------------------

    @router.get("/roles")
    async def roles(request: Request) -> Response:
        who = await admin(request, "console.roles.view")
        if isinstance(who, Response):
            return who
        async with core.uow() as uow:
            grants = (await uow.session.execute(
                select(Person, RoleGrant).join(RoleGrant, RoleGrant.person_id == Person.id)
                .order_by(Person.platform, Person.workspace, Person.user_id))).all()
        return web.page(request, "roles.html", who, grants=grants, roles=ROLES, nav="roles")

    @router.post("/roles")
    async def change_role(request: Request, csrf: str = Form("", max_length=200), platform: str = Form("", max_length=200),
                          workspace: str = Form("", max_length=200), user: str = Form("", max_length=200),
                          role: str = Form("", max_length=50), action: str = Form("grant", max_length=10)) -> Response:
        granted = action != "revoke"
        who = await admin_form(request, csrf, "role.grant" if granted else "role.revoke", platform=platform[:32] or None)
        if isinstance(who, Response):
            return who
        try:
            message = await actions.change_platform_role(core, who, platform=platform, workspace=workspace, user=user,
                                                         role=role, granted=granted)
        except DraftgateError as error:
            return web.redirect(f"{PATH}/roles", flash=error.message, error=True)
        return web.redirect(f"{PATH}/roles", flash=message)

    # --- accounts ------------------------------------------------------------------------------

    @router.get("/accounts")
    async def accounts(request: Request) -> Response:
        who = await admin(request, "console.accounts.view")
        if isinstance(who, Response):
            return who
        return web.page(request, "accounts.html", who, accounts=await store.list_accounts(core), roles=ROLES,
                        tokens=await list_tokens(core), nav="accounts")

    @router.post("/accounts")
    async def create(request: Request, csrf: str = Form("", max_length=200), username: str = Form("", max_length=200),
                     display_name: str = Form("", max_length=400), role: str = Form("", max_length=50),
                     password: str = Form("", max_length=1000)) -> Response:
        who = await admin_form(request, csrf, "console.account.create")
        if isinstance(who, Response):
            return who
        try:
            account = await store.create_account(core, by=who.label, username=username, role=role, password=password,
                                                 display_name=display_name)
        except DraftgateError as error:
            return web.redirect(f"{PATH}/accounts", flash=error.message, error=True)
        return web.redirect(f"{PATH}/accounts/{account.username}",
                            flash=f"Account {account.username} created. Give them the password by a safe channel.")

    @router.get("/accounts/{username}")
    async def account(request: Request, username: str) -> Response:
        who = await admin(request, "console.accounts.view")
        if isinstance(who, Response):
            return who
        async with core.uow() as uow:
            row = await store.account_by_name(uow.session, username)
            if row is None:
                return web.error(request, who, 404, "There is no such account.")
            identities = await store.identities_of(uow.session, row.id)
            sessions = await sessions_of(uow.session, row.id, uow.now())
        tokens = [t for t, name in await list_tokens(core) if name == row.username]
        return web.page(request, "account.html", who, account=row, identities=identities, sessions=sessions,
                        tokens=tokens, roles=ROLES, new_token=None, nav="accounts")

    @router.post("/accounts/{username}/{verb}")
    async def change_account(request: Request, username: str, verb: str, csrf: str = Form("", max_length=200),
                             role: str = Form("", max_length=50), password: str = Form("", max_length=1000),
                             platform: str = Form("", max_length=200), workspace: str = Form("", max_length=200),
                             user_id: str = Form("", max_length=200), item: str = Form("", max_length=20),
                             grant: str = Form("", max_length=10), name: str = Form("", max_length=200),
                             days: str = Form("", max_length=10)) -> Response:
        who = await admin_form(request, csrf, f"console.account.{verb[:20]}")
        if isinstance(who, Response):
            return who
        here = f"{PATH}/accounts/{username}"
        try:
            if verb == "role":
                changed = await store.set_role(core, by=who.label, username=username, role=role)
                message = f"Role is now {role}." if changed else "No change."
            elif verb in ("disable", "enable"):
                if verb == "disable" and username == who.username:
                    return web.redirect(here, flash="You cannot disable your own account.", error=True)
                await store.set_disabled(core, by=who.label, username=username, disabled=verb == "disable")
                message = "Account disabled: signed out everywhere, its API tokens refused." if verb == "disable" \
                    else "Account enabled."
            elif verb == "password":
                await store.set_password(core, by=who.label, username=username, password=password,
                                         keep_session=who.session_id if username == who.username else None)
                message = "Password set; the account was signed out everywhere else."
            elif verb == "link":
                linked = await store.link_identity(core, by=who.label, username=username, platform=platform,
                                                   workspace=workspace, user_id=user_id)
                message = f"Linked {linked.platform}:{linked.workspace + '/' if linked.workspace else ''}{linked.user_id}."
                if grant == "yes":
                    async with core.uow() as uow:
                        row = await store.account_by_name(uow.session, username)
                    if row is not None:
                        message += " " + await grant_role(core, by=who.operator, platform=linked.platform,
                                                          workspace=linked.workspace, user=linked.user_id,
                                                          role=row.role, granted=True, correlation=who.correlation)
            elif verb == "unlink":
                await store.unlink_identity(core, by=who.label, username=username,
                                            identity_id=int(item) if item.isdigit() else -1)
                message = "Identity unlinked."
            elif verb == "token":
                secret, _ = await create_token(core, by=who.label, username=username, name=name,
                                               days=int(days) if days.strip().isdigit() else None)
                return await token_shown(request, who, username, secret)
            elif verb == "revoke-token":
                await revoke_token(core, by=who.label, token_id=int(item) if item.isdigit() else -1)
                message = "Token revoked: it is refused from now on."
            else:
                return web.error(request, who, 404, "Unknown action.")
        except DraftgateError as error:
            return web.redirect(here, flash=error.message, error=True)
        return web.redirect(here, flash=message)

    async def token_shown(request: Request, who: Principal, username: str, secret: str) -> Response:
        async with core.uow() as uow:
            row = await store.account_by_name(uow.session, username)
            assert row is not None
            identities = await store.identities_of(uow.session, row.id)
            sessions = await sessions_of(uow.session, row.id, uow.now())
        tokens = [t for t, name in await list_tokens(core) if name == row.username]
        response = web.page(request, "account.html", who, account=row, identities=identities, sessions=sessions,
                            tokens=tokens, roles=ROLES, new_token=secret, nav="accounts")
        response.headers["Cache-Control"] = "no-store"
        return response

    return router
