"""Draft state changes as compare-and-set updates: only one writer wins a transition."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.domain.drafts import Action, DraftStatus, next_status
from bot.store.models import DraftRevision, DraftRow

__all__ = ["LostRace", "current_revision", "mark_shown", "transition"]


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
    # the row now holds exactly these values: set them as loaded rather than read the row back
    for key, value in {"status": after.value, **values}.items():
        set_committed_value(draft, key, value)
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


async def mark_shown(session: AsyncSession, draft_id: str, *, private_ref: dict[str, Any], shown_hash: str | None) -> bool:
    """Remember where the requester's private message is and, for a drafted text no one has
    edited since, the hash of the text shown. One statement; False if the draft is gone."""
    result = await session.execute(
        update(DraftRow)
        .where(DraftRow.id == draft_id)
        .values(private_ref=private_ref, shown_hash=case(
            (and_(DraftRow.status == DraftStatus.DRAFTED.value, DraftRow.shown_hash.is_(None)), shown_hash),
            else_=DraftRow.shown_hash))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]
