"""The web workspace through HTTP, as people with browsers would use it (no JavaScript)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from adapters.web.models import WebMessage
from bot.store.audit import verify_chain
from bot.store.models import DraftRow, Question

DRAFT_ID = re.compile(r'id="d([A-Za-z0-9_-]{20})"')


async def _ask(client, channel: str, question: str):
    await client.get(f"/c/{channel}")
    page = await client.post(f"/c/{channel}/ask", question=question, request_id=f"r-{len(question)}-{channel}")
    ids = DRAFT_ID.findall(page.text)
    return page, (ids[-1] if ids else None)


async def _count(live, model) -> int:
    async with live.server.runtime.core.uow() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(model))).scalar_one())


async def _public_answers(live, channel: str) -> list[WebMessage]:
    async with live.server.runtime.core.uow() as uow:
        return list((await uow.session.execute(
            select(WebMessage).where(WebMessage.channel == channel, WebMessage.kind == "answer")
        )).scalars())


async def test_draft_is_private_labelled_and_cites_sources(live, person_factory):
    alice, bob = await person_factory("alice"), await person_factory("bob")
    page, draft_id = await _ask(alice, "general", "Which steps rotate an SSH key every year?")
    assert draft_id, page.text
    assert "Only visible to you" in page.text and "AI-generated" in page.text
    assert "Sources" in page.text and "Publish to #general" in page.text
    other = await bob.get("/c/general")
    assert draft_id not in other.text
    assert "rotate an SSH key every year" not in other.text


async def test_only_the_requester_can_publish_and_only_once(live, person_factory):
    alice, bob = await person_factory("alice"), await person_factory("bob")
    _, draft_id = await _ask(alice, "general", "How do I connect to the VPN?")
    refused = await bob.post(f"/d/{draft_id}/publish")
    assert "Only the person who asked" in refused.text
    assert await _public_answers(live, "general") == []

    await alice.post(f"/d/{draft_id}/publish")
    second = await alice.post(f"/d/{draft_id}/publish")
    assert "already published" in second.text
    [answer] = await _public_answers(live, "general")
    assert "confirmed by Alice Ng" in answer.label and "AI-generated" in answer.label
    seen_by_bob = await bob.get("/c/general")
    assert "confirmed by Alice Ng" in seen_by_bob.text


async def test_private_only_channel_offers_no_publish_and_refuses_a_forged_one(live, person_factory):
    alice = await person_factory("alice")
    page, draft_id = await _ask(alice, "announcements", "How do I request access to production?")
    assert draft_id and "Publish to" not in page.text and "stays private" in page.text
    forged = await alice.post(f"/d/{draft_id}/publish")
    assert "not allowed" in forged.text
    assert await _public_answers(live, "announcements") == []


async def test_moderated_channel_publishes_after_a_moderator_approves(live, person_factory):
    alice, carol, bob = await person_factory("alice"), await person_factory("carol"), await person_factory("bob")
    _, draft_id = await _ask(alice, "security", "How do I report a suspected security incident?")
    sent = await alice.post(f"/d/{draft_id}/publish")
    assert "Sent to a moderator" in sent.text
    assert await _public_answers(live, "security") == []
    refused = await bob.post(f"/d/{draft_id}/approve")
    assert "Only a moderator" in refused.text
    queue = await carol.get("/review")
    assert draft_id in queue.text
    await carol.post(f"/d/{draft_id}/approve")
    [answer] = await _public_answers(live, "security")
    assert "approved by Carol Diaz" in answer.label


async def test_off_channel_does_not_answer(live, person_factory):
    alice = await person_factory("alice")
    page = await alice.get("/c/random")
    assert "turned off" in page.text and 'action="/c/random/ask"' not in page.text
    forged = await alice.post("/c/random/ask", question="Anyone there?", request_id="x")
    assert "turned off" in forged.text
    assert await _count(live, DraftRow) == 0


async def test_missing_csrf_token_is_refused_and_changes_nothing(live, person_factory):
    alice = await person_factory("alice")
    response = await alice.http.post("/c/general/ask", data={"question": "VPN?", "request_id": "r1"})
    assert response.status_code == 403
    assert await _count(live, Question) == 0


async def test_oversized_question_is_refused_and_nothing_is_stored(live, person_factory):
    alice = await person_factory("alice")
    page, draft_id = await _ask(alice, "general", "vpn " * 2000)
    assert draft_id is None and "too long" in page.text
    assert await _count(live, Question) == 0


async def test_markup_and_mentions_in_a_question_are_shown_as_text(live, person_factory):
    alice = await person_factory("alice")
    page, draft_id = await _ask(alice, "general", "<script>alert(1)</script> @everyone how do I rotate passwords?")
    assert draft_id
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; @everyone" in page.text


async def test_unknown_draft_and_non_admin_rule_change_are_refused(live, person_factory):
    alice = await person_factory("alice")
    unknown = await alice.post("/d/doesnotexist12345678/publish")
    assert "does not exist" in unknown.text
    await alice.get("/c/general")
    refused = await alice.post("/admin/rules", channel="random", mode="confirm")
    assert "Only an admin" in refused.text
    dave = await person_factory("dave")
    await dave.get("/admin")
    changed = await dave.post("/admin/rules", channel="random", mode="confirm")
    assert "web:random is now confirm" in changed.text
    async with live.server.runtime.core.uow() as uow:
        assert (await verify_chain(uow.session)).intact


async def test_the_same_form_submitted_twice_makes_one_draft(live, person_factory):
    alice = await person_factory("alice")
    await alice.get("/c/general")
    for _ in range(2):
        await alice.post("/c/general/ask", question="How do I set up MFA?", request_id="same-form")
    assert await _count(live, DraftRow) == 1


async def test_my_open_drafts_lists_only_my_waiting_drafts(live, person_factory):
    alice, bob = await person_factory("alice"), await person_factory("bob")
    _, first = await _ask(alice, "general", "How do I connect to the VPN from a hotel?")
    _, second = await _ask(alice, "it-help", "How do I set up a new laptop?")
    await alice.post(f"/d/{first}/discard")
    mine = await alice.get("/drafts")
    assert second in mine.text and first not in mine.text
    theirs = await bob.get("/drafts")
    assert second not in theirs.text and "no open drafts" in theirs.text


async def test_a_rule_set_with_the_cli_applies_at_publish_time(live, person_factory, monkeypatch, database_url):
    from adapters import cli
    from bot.config import get_settings

    alice = await person_factory("alice")
    _, draft_id = await _ask(alice, "general", "How do I report a lost laptop?")
    monkeypatch.setenv("DRAFTGATE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    import asyncio

    code = await asyncio.to_thread(cli.main, ["rules", "set", "--platform", "web", "--channel", "general", "--mode", "private-only"])
    assert code == 0
    result = await alice.post(f"/d/{draft_id}/publish")
    assert "not allowed in this channel (rule: private-only)" in result.text
    assert await _public_answers(live, "general") == []


async def test_roles_come_from_the_store_so_a_cli_grant_or_revoke_applies(live, person_factory):
    from bot.services import Operator, grant_role

    bob, carol = await person_factory("bob"), await person_factory("carol")
    assert (await bob.get("/review")).status_code == 403
    core = live.server.runtime.core
    await grant_role(core, by=Operator("cli:test"), platform="web", user="bob", role="moderator", granted=True)
    await grant_role(core, by=Operator("cli:test"), platform="web", user="carol", role="moderator", granted=False)
    assert (await bob.get("/review")).status_code == 200
    assert (await carol.get("/review")).status_code == 403
