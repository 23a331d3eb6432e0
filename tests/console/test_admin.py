"""An admin's work over HTTP: channel rules for every channel seen (with the default and a
history), platform roles, accounts and linked identities, API tokens (only a hash stored),
and the audit log: filters, one draft's story, Verify chain, export."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import httpx
from sqlalchemy import select, update

from adapters.web.console.models import ConsoleApiToken, ConsoleIdentity
from bot.services import Operator, set_rule
from bot.store.models import AuditEvent, ChannelRuleHistory, Person, RoleGrant
from tests.console.conftest import BOB


async def test_rules_list_every_channel_seen_with_the_default_and_an_editable_history(console, browserless):
    await console.account("dave", "admin")
    await console.published(channel="C-general")
    await set_rule(console.core, by=Operator("test:setup"), platform="test", workspace="T1", channel="C-ops",
                   mode="private-only")
    dave = await browserless("dave")
    page = await dave.get("/console/rules")
    assert "test</strong>:T1/#C-general" in page.text and "test</strong>:T1/#C-ops" in page.text
    assert "(default)" in page.text and "Default for channels without a rule" in page.text
    changed = await dave.post("/console/rules", platform="test", workspace="T1", channel="C-general", mode="moderated",
                              follow=True)
    assert "is now moderated (rule version 1)" in changed.text
    await dave.post("/console/rules", platform="test", workspace="T1", channel="C-general", mode="default")
    history = await dave.get("/console/rules/history?platform=test&workspace=T1&channel=C-general")
    assert history.text.count("console:dave") == 2
    async with console.core.uow() as uow:
        rows = (await uow.session.execute(select(ChannelRuleHistory).where(ChannelRuleHistory.channel == "C-general")
                                          .order_by(ChannelRuleHistory.version))).scalars().all()
    assert [(r.mode_before, r.mode_after, r.changed_by) for r in rows] == [
        (None, "moderated", "console:dave"), ("moderated", None, "console:dave")]
    assert [e.actor for e in await console.events("rule.set")][-1] == "console:dave"
    bad = await dave.post("/console/rules", platform="test", workspace="T1", channel="C-general", mode="loud", follow=True)
    assert "mode must be one of" in bad.text


async def test_platform_roles_and_linked_identities_make_one_person(console, browserless):
    await console.account("dave", "admin")
    await console.account("carol", "moderator")
    dave = await browserless("dave")
    await dave.get("/console/accounts/carol")
    linked = await dave.post("/console/accounts/carol/link", platform="slack", workspace="T9", user_id="U-carol",
                             grant="yes", follow=True)
    assert "Linked slack:T9/U-carol" in linked.text and "moderator granted to slack:U-carol" in linked.text
    taken = await dave.post("/console/accounts/dave/link", platform="slack", workspace="T9", user_id="U-carol",
                            follow=True)
    assert "already linked to another account" in taken.text
    roles = await dave.get("/console/roles")
    assert "slack:T9/U-carol" in roles.text
    await dave.post("/console/roles", platform="slack", workspace="T9", user="U-carol", role="moderator", action="revoke")
    async with console.core.uow() as uow:
        slack = (await uow.session.execute(select(RoleGrant).join(Person).where(Person.platform == "slack"))).all()
        [identity] = (await uow.session.execute(select(ConsoleIdentity))).scalars().all()
    assert slack == [] and identity.user_id == "U-carol"
    assert [e.actor for e in await console.events("console.identity.linked")] == ["console:dave"]
    assert [e.actor for e in await console.events("role.revoked")] == ["console:dave"]
    await dave.get("/console/accounts/carol")
    await dave.post("/console/accounts/carol/unlink", item=str(identity.id))
    assert await console.count(ConsoleIdentity) == 0


async def test_accounts_are_created_changed_and_the_last_admin_is_kept(console, browserless):
    await console.account("dave", "admin")
    dave = await browserless("dave")
    await dave.get("/console/accounts")
    weak = await dave.post("/console/accounts", username="erin", role="moderator", password="short", follow=True)
    assert "at least 12 characters" in weak.text
    made = await dave.post("/console/accounts", username="erin", display_name="Erin Moss", role="moderator",
                           password="a long passphrase for E", follow=True)
    assert "Account erin created" in made.text
    assert (await (await browserless()).sign_in("erin", "a long passphrase for E")).status_code == 303
    last = await dave.post("/console/accounts/dave/role", role="moderator", follow=True)
    assert "last active admin" in last.text
    own = await dave.post("/console/accounts/dave/disable", follow=True)
    assert "cannot disable your own account" in own.text
    promoted = await dave.post("/console/accounts/erin/role", role="admin", follow=True)
    assert "Role is now admin" in promoted.text
    reset = await dave.post("/console/accounts/erin/password", password="another good passphrase", follow=True)
    assert "Password set; the account was signed out" in reset.text
    actions = [e.action for e in await console.events("console.account.role_changed")]
    actions += [e.action for e in await console.events("console.account.password_changed")]
    assert actions == ["console.account.role_changed", "console.account.password_changed"]
    assert all("passphrase" not in json.dumps(e.details) for e in await console.events("console.account.created"))


async def test_api_tokens_are_shown_once_stored_as_a_hash_and_manage_rules(console, browserless):
    await console.account("dave", "admin")
    dave = await browserless("dave")
    await dave.get("/console/accounts/dave")
    page = await dave.post("/console/accounts/dave/token", name="rules from CI", days="30")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    secret = page.text.split('<code class="secret">')[1].split("</code>")[0]
    assert secret.startswith("dgt_")
    async with console.core.uow() as uow:
        [row] = (await uow.session.execute(select(ConsoleApiToken))).scalars().all()
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in row.prefix + row.name
    assert secret not in (await dave.get("/console/accounts/dave")).text
    async with httpx.AsyncClient(base_url=console.url, headers={"Authorization": f"Bearer {secret}"}) as api:
        put = await api.put("/api/rules", json={"platform": "test", "workspace": "T1", "channel": "C-x", "mode": "off"})
        assert put.status_code == 200 and "is now off" in put.json()["message"]
        listed = (await api.get("/api/rules")).json()
        assert listed["default_mode"] == "confirm"
        assert {"platform": "test", "channel": "C-x", "mode": "off"}.items() <= next(
            c for c in listed["channels"] if c["channel"] == "C-x").items()
        history = (await api.get("/api/rules/history", params={"platform": "test", "workspace": "T1", "channel": "C-x"})).json()
        assert history["history"][0]["changed_by"] == "console:dave"
        unset = await api.put("/api/rules", json={"platform": "test", "workspace": "T1", "channel": "C-x", "mode": None})
        assert "the default" in unset.json()["message"]
    [event] = await console.events("console.token.created")
    assert secret not in json.dumps(event.details)


async def test_the_audit_log_filters_pages_and_tells_one_drafts_story(console, browserless):
    await console.account("dave", "admin")
    draft_id = await console.published()
    for n in range(8):  # more than one page of 50 events
        await console.published(f"Question {n}?", who=BOB, channel="C-it")
    dave = await browserless("dave")
    await dave.post(f"/console/answers/{draft_id}/retract", reason="wrong", csrf=dave.csrf)
    everything = await dave.get("/console/audit")
    assert "Page 1 of" in everything.text and "Older" in everything.text
    assert "Newer" in (await dave.get("/console/audit?page=2")).text
    by_actor = await dave.get("/console/audit?actor=console:dave&action=draft.")
    assert by_actor.text.count("<code>draft.retracted</code>") == 1 and "draft.requested" not in by_actor.text
    by_channel = await dave.get("/console/audit?channel=C-general&action=draft.published")
    assert draft_id[:8] in by_channel.text
    story = await dave.get(f"/console/drafts/{draft_id}/story")
    steps = [s for s in ("asked", "drafted", "shown privately", "confirmed", "publishing", "published", "retracted")
             if f"<strong>{s}</strong>" in story.text]
    assert steps == ["asked", "drafted", "shown privately", "confirmed", "publishing", "published", "retracted"]
    positions = [story.text.index(f"<strong>{s}</strong>") for s in steps]
    assert positions == sorted(positions)
    api_story = await dave.http.get(f"/console/drafts/AAAAAAAAAAAAAAAAAAAA/story")
    assert api_story.status_code == 404


async def test_verify_chain_reports_intact_then_the_first_changed_event(console, browserless):
    await console.account("dave", "admin")
    await console.published()
    dave = await browserless("dave")
    await dave.get("/console/audit")
    intact = await dave.post("/console/audit/verify")
    assert "Audit chain intact" in intact.text
    async with console.core.uow() as uow:
        target = (await uow.session.execute(select(AuditEvent).where(AuditEvent.action == "draft.published"))).scalar_one()
        await uow.session.execute(update(AuditEvent).where(AuditEvent.seq == target.seq).values(actor="someone-else"))
        await uow.commit()
    broken = await dave.post("/console/audit/verify")
    assert f"Audit chain broken at event {target.seq}" in broken.text and "content was changed" in broken.text
    verified = await console.events("console.audit.verified")
    assert [e.details["intact"] for e in verified] == [True, False] and verified[-1].details["first_bad_seq"] == target.seq


async def test_export_as_json_lines_and_csv(console, browserless):
    await console.account("dave", "admin")
    draft_id = await console.published()
    dave = await browserless("dave")
    jsonl = await dave.get("/console/audit/export?format=jsonl")
    assert jsonl.status_code == 200 and "attachment" in jsonl.headers["content-disposition"]
    records = [json.loads(line) for line in jsonl.text.splitlines()]
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert {"hash", "prev_hash", "details", "actor", "action"} <= set(records[0])
    only = await dave.get(f"/console/audit/export?format=csv&draft={draft_id}")
    rows = list(csv.DictReader(io.StringIO(only.text)))
    assert rows and {r["draft_id"] for r in rows} == {draft_id}
    assert [r["action"] for r in rows][:2] == ["draft.requested", "draft.drafted"]
    assert (await dave.get("/console/audit/export?format=xml")).status_code == 400
    exported = await console.events("console.audit.exported")
    assert [e.details["format"] for e in exported] == ["jsonl", "csv"] and exported[0].actor == "console:dave"
