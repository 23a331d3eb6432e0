"""The publish gate (DESIGN invariants 1–3) through the services, on the real database."""

from __future__ import annotations

import asyncio

import pytest

from bot.services import Actor, Forbidden, Operator, Refused, Where, ask, confirm_draft, set_rule
from bot.store.audit import verify_chain

ALICE = Actor("test", "T1", "alice", "Alice")
BOB = Actor("test", "T1", "bob", "Bob")
GENERAL = Where("test", "T1", "general")


async def _ask(runtime, event_id: str = "ev-1", who: Actor = ALICE, where: Where = GENERAL):
    return await ask(runtime.core, actor=who, where=where, question="How do I rotate my SSH key?", event_id=event_id)


async def test_requester_publishes_once_with_label(runtime, platform):
    outcome = await _ask(runtime)
    assert outcome.kind == "drafted"
    result = await confirm_draft(runtime.core, actor=ALICE, draft_id=outcome.draft_id)
    assert result.kind == "published"
    [post] = platform.posts
    assert "AI-generated" in post.answer.label and "confirmed by Alice" in post.answer.label
    again = await confirm_draft(runtime.core, actor=ALICE, draft_id=outcome.draft_id)
    assert again.kind == "already_published"
    assert len(platform.posts) == 1


async def test_another_person_cannot_publish(runtime, platform):
    outcome = await _ask(runtime)
    with pytest.raises(Forbidden):
        await confirm_draft(runtime.core, actor=BOB, draft_id=outcome.draft_id)
    assert platform.posts == []


async def test_twenty_concurrent_confirms_publish_once(runtime, platform):
    platform.publish_delay = 0.01
    outcome = await _ask(runtime)
    results = await asyncio.gather(
        *(confirm_draft(runtime.core, actor=ALICE, draft_id=outcome.draft_id) for _ in range(20)),
        return_exceptions=True,
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert sum(1 for r in results if r.kind == "published") == 1
    assert len(platform.posts) == 1
    async with runtime.core.uow() as uow:
        assert (await verify_chain(uow.session)).intact


async def test_rule_changed_after_drafting_is_read_at_publish_time(runtime, platform):
    outcome = await _ask(runtime)
    await set_rule(runtime.core, by=Operator("cli:test"), platform="test", workspace="T1", channel="general", mode="private-only")
    result = await confirm_draft(runtime.core, actor=ALICE, draft_id=outcome.draft_id)
    assert result.kind == "denied"
    assert platform.posts == []


async def test_expired_draft_is_not_published(runtime, platform, clock):
    outcome = await _ask(runtime)
    clock.advance(days=2)
    with pytest.raises(Refused):
        await confirm_draft(runtime.core, actor=ALICE, draft_id=outcome.draft_id)
    assert platform.posts == []


MOD = Actor("test", "T1", "mod", "Mo")


async def _moderated(runtime):
    from bot.services import grant_role

    await set_rule(runtime.core, by=Operator("cli:test"), platform="test", workspace="T1", channel="general", mode="moderated")
    await grant_role(runtime.core, by=Operator("cli:test"), platform="test", workspace="T1", user="mod", role="moderator", granted=True)


async def test_moderated_needs_another_moderator_and_labels_the_approval(runtime, platform):
    from bot.services import approve_draft

    await _moderated(runtime)
    outcome = await _ask(runtime)
    assert (await confirm_draft(runtime.core, actor=ALICE, draft_id=outcome.draft_id)).kind == "awaiting_approval"
    with pytest.raises(Forbidden):
        await approve_draft(runtime.core, actor=BOB, draft_id=outcome.draft_id)
    assert platform.posts == []
    result = await approve_draft(runtime.core, actor=MOD, draft_id=outcome.draft_id)
    assert result.kind == "published" and "approved by Mo" in platform.posts[0].answer.label


async def test_a_moderator_cannot_approve_their_own_draft(runtime, platform):
    from bot.services import approve_draft

    await _moderated(runtime)
    outcome = await _ask(runtime, who=MOD)
    await confirm_draft(runtime.core, actor=MOD, draft_id=outcome.draft_id)
    with pytest.raises(Forbidden, match="own draft"):
        await approve_draft(runtime.core, actor=MOD, draft_id=outcome.draft_id)
    assert platform.posts == []


async def test_a_failed_post_is_retryable_and_a_lost_response_is_not_posted_twice(runtime, platform):
    outcome = await _ask(runtime)
    platform.fail_publish = 1
    assert (await confirm_draft(runtime.core, actor=ALICE, draft_id=outcome.draft_id)).kind == "failed"
    assert platform.posts == []
    platform.lose_response = 1  # the platform posts, but the answer never arrives
    assert (await confirm_draft(runtime.core, actor=ALICE, draft_id=outcome.draft_id)).kind == "failed"
    assert (await confirm_draft(runtime.core, actor=ALICE, draft_id=outcome.draft_id)).kind == "published"
    assert len(platform.posts) == 1


async def test_a_crash_mid_publish_is_reconciled_without_posting(runtime, platform, monkeypatch):
    from datetime import timedelta

    from bot.services import publishing, reconcile_publishing

    outcome = await _ask(runtime)

    async def crash(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(publishing, "_record_post", crash)
    with pytest.raises(RuntimeError):
        await confirm_draft(runtime.core, actor=ALICE, draft_id=outcome.draft_id)
    monkeypatch.undo()
    assert await reconcile_publishing(runtime.core, older_than=timedelta(0)) == [outcome.draft_id]
    assert len(platform.posts) == 1
    assert (await confirm_draft(runtime.core, actor=ALICE, draft_id=outcome.draft_id)).kind == "already_published"


async def test_a_redelivered_event_is_one_draft_and_an_oversized_question_stores_nothing(runtime):
    from sqlalchemy import func, select

    from bot.services import BadInput
    from bot.store.models import DraftRow, Question

    first = await _ask(runtime, event_id="same")
    again = await _ask(runtime, event_id="same")
    assert again.kind == "duplicate" and again.draft_id == first.draft_id
    with pytest.raises(BadInput):
        await ask(runtime.core, actor=ALICE, where=GENERAL, question="x" * 5000, event_id="big")
    async with runtime.core.uow() as uow:
        assert (await uow.session.execute(select(func.count()).select_from(Question))).scalar_one() == 1
        assert (await uow.session.execute(select(func.count()).select_from(DraftRow))).scalar_one() == 1


async def test_a_secret_in_a_question_is_redacted_and_audited_by_kind_and_hash(runtime):
    from sqlalchemy import select

    from bot.store.models import AuditEvent, Question

    outcome = await ask(runtime.core, actor=ALICE, where=GENERAL, event_id="s",
                        question="Is AKIAABCDEFGHIJKLMNOP still valid?")
    assert "Rotate it" in outcome.message
    async with runtime.core.uow() as uow:
        stored = (await uow.session.execute(select(Question.text))).scalar_one()
        events = (await uow.session.execute(select(AuditEvent))).scalars().all()
    assert "AKIA" not in stored and "[redacted aws-access-key-id]" in stored
    requested = [e for e in events if e.action == "draft.requested"][0]
    assert requested.details["secrets"][0]["kind"] == "aws-access-key-id"
    assert all("AKIAABCDEFGHIJKLMNOP" not in str(e.details) for e in events)


async def test_retract_by_a_moderator_or_the_requester_once(runtime, platform):
    from bot.services import grant_role, retract_answer

    await grant_role(runtime.core, by=Operator("cli:test"), platform="test", workspace="T1", user="mod", role="moderator", granted=True)
    outcome = await _ask(runtime)
    await confirm_draft(runtime.core, actor=ALICE, draft_id=outcome.draft_id)
    with pytest.raises(Forbidden):
        await retract_answer(runtime.core, actor=BOB, draft_id=outcome.draft_id, reason="no")
    assert "Retracted" in await retract_answer(runtime.core, actor=MOD, draft_id=outcome.draft_id, reason="wrong")
    assert "already" in await retract_answer(runtime.core, actor=MOD, draft_id=outcome.draft_id, reason="again")
    assert platform.live_posts(outcome.draft_id) == []


async def test_concurrent_clicks_in_a_private_only_channel_are_all_denied_cleanly(runtime, platform):
    await set_rule(runtime.core, by=Operator("cli:test"), platform="test", workspace="T1", channel="general", mode="private-only")
    outcome = await _ask(runtime)
    results = await asyncio.gather(*(confirm_draft(runtime.core, actor=ALICE, draft_id=outcome.draft_id) for _ in range(10)),
                                   return_exceptions=True)
    assert all(isinstance(r, Refused) or r.kind == "denied" for r in results), results
    assert platform.posts == []


async def test_identifiers_that_cannot_be_stored_are_bad_input_not_database_errors(runtime):
    from bot.services import BadInput, NotFound

    with pytest.raises(BadInput):
        await set_rule(runtime.core, by=Operator("cli:test"), platform="p" * 40, channel="general", mode="off")
    for bad in ("a\x00b", "x" * 33, "../../etc", ""):
        with pytest.raises(NotFound):
            await confirm_draft(runtime.core, actor=ALICE, draft_id=bad)
