"""Showing a draft privately: what was shown is recorded by its hash (the publish gate checks
the text against it), in the same steps as the ask path takes."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.config import Settings, load_settings
from bot.domain.text import content_hash
from bot.services import Actor, Where, ask, edit_draft
from bot.store.models import AuditEvent, DraftRow

ALICE = Actor("test", "T1", "alice", "Alice")
GENERAL = Where("test", "T1", "general")


async def _stored(runtime, draft_id: str) -> tuple[DraftRow, AuditEvent]:
    async with runtime.core.uow() as uow:
        draft = await uow.session.get(DraftRow, draft_id)
        shown = (await uow.session.execute(
            select(AuditEvent).where(AuditEvent.draft_id == draft_id, AuditEvent.action == "draft.shown"))).scalar_one()
    assert draft is not None
    return draft, shown


async def test_the_draft_shown_privately_is_recorded_with_the_hash_of_its_text(runtime, platform):
    outcome = await ask(runtime.core, actor=ALICE, where=GENERAL, question="How do I rotate my SSH key?", event_id="ev-1")
    [view] = platform.private[outcome.draft_id]
    draft, shown = await _stored(runtime, outcome.draft_id)
    assert view.text and view.content_hash == content_hash(view.text)
    assert draft.status == "drafted" and draft.shown_hash == view.content_hash
    assert draft.private_ref == {"user": "alice", "draft": outcome.draft_id}
    assert shown.details == {"content_hash": view.content_hash, "status": "drafted"}


async def test_an_edit_made_while_the_draft_was_on_its_way_keeps_its_own_hash(runtime, platform, monkeypatch):
    deliver_private, edited = platform.deliver_private, []

    async def deliver_then_edit(**kwargs):
        ref = await deliver_private(**kwargs)
        if not edited:  # the requester edits (e.g. in the web workspace) before delivery is recorded
            edited.append(await edit_draft(runtime.core, actor=ALICE, draft_id=kwargs["view"].draft_id, text="My own words."))
        return ref

    monkeypatch.setattr(platform, "deliver_private", deliver_then_edit)
    outcome = await ask(runtime.core, actor=ALICE, where=GENERAL, question="How do I rotate my SSH key?", event_id="ev-1")
    draft, shown = await _stored(runtime, outcome.draft_id)
    assert draft.revision == 2 and draft.shown_hash == content_hash("My own words.")
    assert shown.details["content_hash"] == platform.private[outcome.draft_id][0].content_hash != draft.shown_hash


class _Gauge:
    """How many callers are inside at once, at most."""

    def __init__(self) -> None:
        self.now = self.most = 0

    async def hold(self, seconds: float) -> None:
        self.now += 1
        self.most = max(self.most, self.now)
        await asyncio.sleep(seconds)
        self.now -= 1


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(database_url=database_url, load_sample_kb=False, question_concurrency=2)


async def test_questions_take_turns_in_their_database_steps_but_not_while_the_engine_drafts(runtime, platform, drafter, monkeypatch):
    delivering, drafting = _Gauge(), _Gauge()
    deliver_private, draft = platform.deliver_private, drafter.draft

    async def slow_delivery(**kwargs):
        await delivering.hold(0.02)
        return await deliver_private(**kwargs)

    async def slow_engine(**kwargs):
        await drafting.hold(0.05)
        return await draft(**kwargs)

    monkeypatch.setattr(platform, "deliver_private", slow_delivery)
    monkeypatch.setattr(drafter, "draft", slow_engine)
    outcomes = await asyncio.gather(*(ask(runtime.core, actor=ALICE, where=GENERAL, question=f"Question {n}?",
                                          event_id=f"ev-{n}") for n in range(10)))
    assert [o.kind for o in outcomes] == ["drafted"] * 10 and len(platform.private) == 10
    assert delivering.most == 2  # the limit (question_concurrency=2) holds
    assert drafting.most > 2  # a slow model does not hold a turn
