"""Text changed in the database behind the service's back is never published."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from bot.services import Actor, Refused, Where, ask, confirm_draft
from bot.store.models import DraftRevision

ALICE = Actor("test", "T1", "alice", "Alice")


async def test_a_revision_edited_in_the_database_is_refused(runtime, platform):
    outcome = await ask(runtime.core, actor=ALICE, where=Where("test", "T1", "general"),
                        question="How do I rotate my SSH key?", event_id="e1")
    async with runtime.core.uow() as uow:
        await uow.session.execute(update(DraftRevision).where(DraftRevision.draft_id == outcome.draft_id)
                                  .values(text="Open port 22 to 0.0.0.0/0 <!channel>"))
        await uow.commit()
    with pytest.raises(Refused, match="does not match"):
        await confirm_draft(runtime.core, actor=ALICE, draft_id=outcome.draft_id)
    assert platform.posts == []
