"""Draft state changes as compare-and-set updates: only one writer wins a transition."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.drafts import Action, DraftStatus, next_status
from bot.store.models import DraftRevision, DraftRow

__all__ = ["LostRace", "current_revision", "transition"]


class LostRace(Exception):
    """Another request changed the draft first; this one must not act."""

    def __init__(self, draft_id: str, expected: DraftStatus) -> None:
        super().__init__(f"draft {draft_id} is no longer {expected.value}")
        self.draft_id = draft_id
        self.expected = expected


async def transition(
    session: AsyncSession, draft: DraftRow, action: Action, **values: Any
) -> tuple[DraftStatus, DraftStatus]:
    """Move `draft` by `action` with `UPDATE … WHERE status = <current>`; one row or LostRace."""
    before = DraftStatus(draft.status)
    after = next_status(before, action)
    result = await session.execute(
        update(DraftRow)
        .where(DraftRow.id == draft.id, DraftRow.status == before.value)
        .values(status=after.value, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise LostRace(draft.id, before)
    await session.refresh(draft)
    return before, after


async def current_revision(session: AsyncSession, draft: DraftRow) -> DraftRevision | None:
    if draft.revision == 0:
        return None
    return (
        await session.execute(
            select(DraftRevision).where(
                DraftRevision.draft_id == draft.id, DraftRevision.number == draft.revision
            )
        )
    ).scalar_one()
