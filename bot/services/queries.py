"""Read-only questions adapters ask: a requester's drafts, one draft's view, the review queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.domain.drafts import OPEN_STATUSES, DraftStatus
from bot.ports import PrivateDraftView
from bot.services.context import Actor, Core, Forbidden
from bot.services.drafts_view import DraftBundle, build_view, load_bundle, rule_for
from bot.store.models import DraftRow
from bot.store.people import find_person, has_role

__all__ = ["ReviewItem", "draft_view", "is_admin", "is_moderator", "open_drafts", "published_answers", "review_item", "waiting_for_approval"]


async def draft_view(core: Core, *, actor: Actor, draft_id: str) -> PrivateDraftView:
    """The private view of a draft, for its requester only."""
    async with core.uow() as uow:
        bundle = await load_bundle(uow, draft_id)
        person = await find_person(uow.session, platform=actor.platform, workspace=actor.workspace, user_id=actor.user_id)
        if person is None or person.id != bundle.draft.requester_id:
            raise Forbidden("Only the person who asked can see this draft.")
        return build_view(bundle, await rule_for(core, uow, bundle.draft))


async def open_drafts(core: Core, *, actor: Actor, limit: int = 20) -> list[PrivateDraftView]:
    """The requester's drafts still waiting for them (drafted, awaiting approval, publish failed)."""
    async with core.uow() as uow:
        person = await find_person(uow.session, platform=actor.platform, workspace=actor.workspace, user_id=actor.user_id)
        if person is None:
            return []
        ids = (await uow.session.execute(
            select(DraftRow.id).where(DraftRow.requester_id == person.id,
                                      DraftRow.status.in_([s.value for s in OPEN_STATUSES]),
                                      DraftRow.expires_at > uow.now())
            .order_by(DraftRow.created_at.desc()).limit(limit)
        )).scalars().all()
        views = []
        for draft_id in ids:
            bundle = await load_bundle(uow, draft_id)
            views.append(build_view(bundle, await rule_for(core, uow, bundle.draft)))
        return views


async def is_moderator(core: Core, *, actor: Actor) -> bool:
    async with core.uow() as uow:
        person = await find_person(uow.session, platform=actor.platform, workspace=actor.workspace, user_id=actor.user_id)
        return person is not None and await has_role(uow.session, person, "moderator", "admin")


async def is_admin(core: Core, *, actor: Actor) -> bool:
    async with core.uow() as uow:
        person = await find_person(uow.session, platform=actor.platform, workspace=actor.workspace, user_id=actor.user_id)
        return person is not None and await has_role(uow.session, person, "admin")


@dataclass(frozen=True, slots=True)
class ReviewItem:
    draft_id: str
    status: str
    platform: str
    workspace: str
    channel: str
    requester: str
    requester_name: str
    question: str
    text: str
    engine: str
    model: str
    confirmed_at: datetime | None
    permalink: str | None
    retracted_by: str | None


def _item(b: DraftBundle) -> ReviewItem:
    return ReviewItem(
        draft_id=b.draft.id, status=b.draft.status, platform=b.draft.platform, workspace=b.draft.workspace,
        channel=b.draft.channel, requester=b.requester.user_id, requester_name=b.requester.display_name,
        question=b.question.text, text=b.text, engine=b.draft.engine, model=b.draft.model,
        confirmed_at=b.draft.confirmed_at, permalink=b.publication.permalink if b.publication else None,
        retracted_by=b.publication.retracted_by if b.publication else None,
    )


async def review_item(core: Core, *, draft_id: str) -> ReviewItem:
    async with core.uow() as uow:
        return _item(await load_bundle(uow, draft_id))


async def _items(core: Core, statuses: list[str], platform: str | None, limit: int) -> list[ReviewItem]:
    async with core.uow() as uow:
        query = (select(DraftRow.id).where(DraftRow.status.in_(statuses))
                 .order_by(DraftRow.updated_at.desc()).limit(limit))
        if platform:
            query = query.where(DraftRow.platform == platform)
        return [_item(await load_bundle(uow, draft_id)) for draft_id in (await uow.session.execute(query)).scalars().all()]


async def waiting_for_approval(core: Core, *, platform: str | None = None, limit: int = 50) -> list[ReviewItem]:
    return await _items(core, [DraftStatus.AWAITING_APPROVAL.value], platform, limit)


async def published_answers(core: Core, *, platform: str | None = None, limit: int = 50) -> list[ReviewItem]:
    return await _items(core, [DraftStatus.PUBLISHED.value, DraftStatus.RETRACTED.value], platform, limit)


