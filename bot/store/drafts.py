"""Draft state changes as compare-and-set updates: only one writer wins a transition."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, Update, and_, bindparam, case, select, update
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


@cache
def _move(keys: tuple[str, ...]) -> Update:
    """`UPDATE drafts SET status, <keys> WHERE id AND status`, built once per set of columns
    (building a statement costs more than running it)."""
    drafts = DraftRow.__table__
    return (update(drafts).where(drafts.c.id == bindparam("w_id"), drafts.c.status == bindparam("w_status"))
            .values({key: bindparam(f"v_{key}") for key in ("status", *keys)}))


async def transition(
    session: AsyncSession, draft: DraftRow, action: Action, **values: Any
) -> tuple[DraftStatus, DraftStatus]:
    """Move `draft` by `action` with `UPDATE … WHERE status = <current>`; one row or LostRace."""
    before = DraftStatus(draft.status)
    after = next_status(before, action)
    await session.flush()  # whatever the caller changed is written first, as autoflush would
    values = {"status": after.value, **values}
    result = await (await session.connection()).execute(
        _move(tuple(sorted(values.keys() - {"status"}))),
        {"w_id": draft.id, "w_status": before.value, **{f"v_{key}": value for key, value in values.items()}},
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise LostRace(draft.id, before)
    # the row now holds exactly these values: set them as loaded rather than read the row back
    for key, value in values.items():
        set_committed_value(draft, key, value)
    return before, after


@cache
def _statements() -> tuple[Select[Any], Update]:
    drafts = DraftRow.__table__
    revision = select(DraftRevision).where(DraftRevision.draft_id == bindparam("draft_id"),
                                           DraftRevision.number == bindparam("number"))
    shown = update(drafts).where(drafts.c.id == bindparam("w_id")).values(
        private_ref=bindparam("private_ref"),
        shown_hash=case((and_(drafts.c.status == DraftStatus.DRAFTED.value, drafts.c.shown_hash.is_(None)),
                         bindparam("shown_hash", type_=drafts.c.shown_hash.type)), else_=drafts.c.shown_hash))
    return revision, shown


async def current_revision(session: AsyncSession, draft: DraftRow) -> DraftRevision | None:
    if draft.revision == 0:
        return None
    revision, _ = _statements()
    return (await session.execute(revision, {"draft_id": draft.id, "number": draft.revision})).scalar_one()


async def mark_shown(session: AsyncSession, draft_id: str, *, private_ref: dict[str, Any], shown_hash: str | None) -> bool:
    """Remember where the requester's private message is and, for a drafted text no one has
    edited since, the hash of the text shown. One statement; False if the draft is gone."""
    _, shown = _statements()
    result = await (await session.connection()).execute(
        shown, {"w_id": draft_id, "private_ref": private_ref, "shown_hash": shown_hash})
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]
