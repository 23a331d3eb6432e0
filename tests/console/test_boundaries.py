"""Every role boundary, over HTTP: each refusal is answered, audited, and changes nothing."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from adapters.web.console.accounts import link_identity
from adapters.web.console.models import ConsoleAccount, ConsoleApiToken
from bot.store.models import ChannelRuleRow, DraftRow, RoleGrant
from tests.console.conftest import ALICE


async def _rule(console, channel: str = "C-general") -> str | None:
    async with console.core.uow() as uow:
        row = (await uow.session.execute(select(ChannelRuleRow).where(
            ChannelRuleRow.platform == "test", ChannelRuleRow.channel == channel))).scalar_one_or_none()
        return row.mode if row else None


async def _status(console, draft_id: str) -> str:
    async with console.core.uow() as uow:
        return (await uow.session.get(DraftRow, draft_id)).status


async def test_a_moderator_cannot_change_a_rule_or_see_admin_pages(console, browserless):
    await console.account("carol", "moderator")
    await console.published()
    carol = await browserless("carol")
    refused = await carol.post("/console/rules", platform="test", workspace="T1", channel="C-general", mode="off")
    assert refused.status_code == 403 and "Only an admin" in refused.text
    assert await _rule(console) is None
    [event] = await console.events("rule.set.refused")
    assert event.actor == "console:carol" and event.details["reason"] == "not an admin" and event.channel == "C-general"
    for path in ("/console/rules", "/console/roles", "/console/accounts", "/console/audit", "/console/audit/export"):
        page = await carol.get(path)
        assert page.status_code == 403, path
    assert "Channel rules" not in (await carol.get("/console/queue")).text  # no admin links for a moderator


async def test_a_moderator_cannot_change_roles_or_accounts(console, browserless):
    await console.account("carol", "moderator")
    carol = await browserless("carol")
    grants = await console.count(RoleGrant)  # the web workspace's sample people have some
    assert (await carol.post("/console/roles", platform="test", workspace="T1", user="U-x", role="admin")).status_code == 403
    assert (await carol.post("/console/accounts", username="mallory", role="admin",
                             password="a long enough password")).status_code == 403
    assert (await carol.post("/console/accounts/carol/role", role="admin")).status_code == 403
    assert await console.count(RoleGrant) == grants
    async with console.core.uow() as uow:
        accounts = {a.username: a.role for a in (await uow.session.execute(select(ConsoleAccount))).scalars()}
    assert accounts == {"carol": "moderator"}
    refusals = [e.action for e in await console.events("role.grant.refused")]
    refusals += [e.action for e in await console.events("console.account.create.refused")]
    refusals += [e.action for e in await console.events("console.account.role.refused")]
    assert refusals == ["role.grant.refused", "console.account.create.refused", "console.account.role.refused"]


async def test_signed_out_requests_see_only_the_sign_in_page_and_change_nothing(console, browserless):
    await console.account("dave", "admin")
    draft_id = await console.published()
    stranger = await browserless()
    for path in ("/console/", "/console/overview", "/console/queue", "/console/rules", "/console/audit",
                 f"/console/answers/{draft_id}", "/console/audit/export?format=csv"):
        page = await stranger.get(path)
        assert page.status_code == 303 and page.headers["location"].startswith("/console/signin"), path
        assert draft_id not in page.text
    retract = await stranger.post(f"/console/answers/{draft_id}/retract", csrf="anything", reason="gone")
    rule = await stranger.post("/console/rules", csrf="anything", platform="test", channel="C-general", mode="off")
    assert retract.status_code == rule.status_code == 303
    assert rule.headers["location"] == "/console/signin"
    assert await _status(console, draft_id) == "published" and console.platform.live_posts(draft_id)
    assert await _rule(console) is None
    refusals = await console.events("console.request.refused")
    assert [e.details["reason"] for e in refusals] == ["not signed in", "not signed in"]
    assert {e.actor for e in refusals} == {"console:anonymous"}


async def test_a_missing_wrong_or_cross_site_csrf_token_is_refused_and_audited(console, browserless):
    await console.account("dave", "admin")
    draft_id = await console.published()
    dave = await browserless("dave")
    missing = await dave.post("/console/rules", csrf="<none>", platform="test", workspace="T1", channel="C-general", mode="off")
    wrong = await dave.post(f"/console/answers/{draft_id}/retract", csrf="not-the-token", reason="wrong")
    dave.http.headers["Origin"] = "https://evil.example"
    cross = await dave.post("/console/rules", platform="test", workspace="T1", channel="C-general", mode="off")
    del dave.http.headers["Origin"]
    assert missing.status_code == wrong.status_code == cross.status_code == 403
    assert "This form expired" in missing.text
    assert await _rule(console) is None
    assert await _status(console, draft_id) == "published" and console.platform.live_posts(draft_id)
    reasons = [(e.actor, e.details["reason"]) for e in await console.events("console.request.refused")]
    assert reasons == [("console:dave", "csrf token missing"), ("console:dave", "csrf token wrong"),
                       ("console:dave", "cross-site origin")]
    ok = await dave.post("/console/rules", platform="test", workspace="T1", channel="C-general", mode="off")
    assert ok.status_code == 303 and await _rule(console) == "off"


async def test_api_tokens_revoked_expired_wrong_or_missing_are_refused_and_audited(console, browserless):
    await console.account("dave", "admin")
    await console.account("erin", "admin")
    secret, token_id = await console.token("dave")
    dave = await browserless("dave")
    api = dave.http
    headers = {"Authorization": f"Bearer {secret}"}
    rule = {"platform": "test", "workspace": "T1", "channel": "C-general", "mode": "off"}
    me = await api.get("/api/me", headers=headers)
    assert me.status_code == 200, me.text
    assert me.json()["username"] == "dave"
    await dave.get("/console/accounts/dave")
    revoked = await dave.post("/console/accounts/dave/revoke-token", item=str(token_id))
    assert revoked.status_code == 303
    refused = await api.put("/api/rules", json=rule, headers=headers)
    assert refused.status_code == 401 and refused.json()["message"] == "Refused: token revoked."
    assert await _rule(console) is None
    expired, _ = await console.token("erin", days=1)
    async with console.core.uow() as uow:
        row = (await uow.session.execute(select(ConsoleApiToken).where(ConsoleApiToken.prefix == expired[:12]))).scalar_one()
        row.expires_at = uow.now()
        await uow.commit()
    assert (await api.put("/api/rules", json=rule, headers={"Authorization": f"Bearer {expired}"})).status_code == 401
    assert (await api.put("/api/rules", json=rule, headers={"Authorization": "Bearer dgt_made-up"})).status_code == 401
    assert (await api.put("/api/rules", json=rule)).status_code == 401
    assert await _rule(console) is None
    reasons = [e.details["reason"] for e in await console.events("api.request.refused")]
    assert reasons == ["token revoked", "token expired", "unknown token", "no token"]


async def test_a_disabled_account_loses_its_session_and_its_tokens_at_once(console, browserless):
    await console.account("dave", "admin")
    await console.account("carol", "moderator")
    secret, _ = await console.token("carol")
    carol = await browserless("carol")
    dave = await browserless("dave")
    await dave.get("/console/accounts/carol")
    assert (await dave.post("/console/accounts/carol/disable")).status_code == 303
    page = await carol.get("/console/queue")
    assert page.status_code == 303 and page.headers["location"].startswith("/console/signin")
    api = await carol.http.get("/api/answers", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 401 and "account disabled" in api.json()["message"]
    again = await (await browserless()).sign_in("carol")
    assert again.status_code == 401 and "Wrong user name or password" in again.text


async def test_a_moderator_token_cannot_do_an_admins_job_through_the_api(console):
    await console.account("carol", "moderator")
    secret, _ = await console.token("carol")
    grants = await console.count(RoleGrant)

    async with httpx.AsyncClient(base_url=console.url, headers={"Authorization": f"Bearer {secret}"}) as api:
        put = await api.put("/api/rules", json={"platform": "test", "workspace": "T1", "channel": "C-general", "mode": "off"})
        grant = await api.post("/api/roles", json={"platform": "test", "user": "U-x", "role": "admin"})
        audit = await api.get("/api/audit")
        verify = await api.post("/api/audit/verify")
        answers = await api.get("/api/answers")
    assert [r.status_code for r in (put, grant, audit, verify)] == [403, 403, 403, 403]
    assert answers.status_code == 200
    assert await _rule(console) is None and await console.count(RoleGrant) == grants
    assert [e.actor for e in await console.events("rule.set.refused")] == ["console:carol"]


async def test_a_moderator_cannot_approve_or_review_their_own_question(console, browserless):
    await console.account("carol", "moderator")
    await link_identity(console.core, by="test:setup", username="carol", platform=ALICE.platform,
                        workspace=ALICE.workspace, user_id=ALICE.user_id)
    waiting = await console.waiting(who=ALICE)
    published = await console.published(who=ALICE)
    carol = await browserless("carol")
    approve = await carol.post(f"/console/drafts/{waiting}/approve", follow=True)
    assert "another moderator must approve" in approve.text
    review = await carol.post(f"/console/answers/{published}/review", note="fine", follow=True)
    assert "another moderator must review" in review.text
    assert await _status(console, waiting) == "awaiting_approval"
    assert [e.details["reason"] for e in await console.events("approve.refused")] == ["the account is the requester"]
    assert [e.actor for e in await console.events("review.refused")] == ["console:carol"]
