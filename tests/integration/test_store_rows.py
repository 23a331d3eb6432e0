"""`insert_row`: the ask path's inserts without the ORM flush must store what the ORM would."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.store.models import Person, Question
from bot.store.rows import insert_row

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


async def test_a_row_inserted_directly_reads_back_like_a_flushed_one_and_can_be_updated_later(runtime):
    async with runtime.core.uow() as uow:
        person = Person(platform="test", user_id="alice", display_name="Alice", created_at=NOW)
        await insert_row(uow.session, person)
        question = Question(platform="test", platform_event_id="ev-1", channel="general", thread=None,
                            requester_id=person.id, text="How?", created_at=NOW)
        await insert_row(uow.session, question)
        await uow.commit()
    # after the session closed, every column is readable, defaults included
    assert isinstance(question.id, int) and question.requester_id == person.id
    assert (question.workspace, question.origin, question.secrets) == ("", {}, [])
    async with runtime.core.uow() as uow:
        stored = await uow.session.get(Question, question.id, populate_existing=True)
        assert stored is not None
        assert (stored.text, stored.workspace, stored.origin, stored.secrets, stored.created_at) == ("How?", "", {}, [], NOW)
    async with runtime.core.uow() as uow:  # attaching it later updates the row, never inserts it again
        uow.session.add(question)
        question.text = "How, exactly?"
        await uow.commit()
    async with runtime.core.uow() as uow:
        rows = (await uow.session.execute(select(Question.text))).scalars().all()
    assert rows == ["How, exactly?"]


async def test_a_duplicate_raises_as_a_flush_would_and_stores_nothing(runtime):
    async with runtime.core.uow() as uow:
        person = Person(platform="test", user_id="alice", display_name="Alice", created_at=NOW)
        await insert_row(uow.session, person)
        await uow.commit()
    async with runtime.core.uow() as uow:
        with pytest.raises(IntegrityError):
            await insert_row(uow.session, Person(platform="test", user_id="alice", display_name="Al", created_at=NOW))
        await uow.rollback()
    async with runtime.core.uow() as uow:
        assert (await uow.session.execute(select(func.count()).select_from(Person))).scalar_one() == 1
