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
