"""What the requester can do with their own draft besides publishing: edit and discard.
Plus the sweep that expires drafts nobody acted on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.domain.drafts import Action, DraftStatus, InvalidTransition
from bot.domain.text import TextTooLong, clean_text, content_hash, redact_secrets
from bot.ports import PrivateDraftView
from bot.services.context import Actor, BadInput, Core, Forbidden, Refused
from bot.services.drafts_view import DraftBundle, build_view, load_bundle, rule_for
from bot.services.private import refresh_private
from bot.store.audit import PendingEvent
from bot.store.drafts import LostRace, transition
from bot.store.models import DraftRevision, DraftRow
from bot.store.people import ensure_person
from bot.store.uow import UnitOfWork

__all__ = ["discard_draft", "edit_draft", "expire_due", "own_draft"]


async def own_draft(uow: UnitOfWork, actor: Actor, draft_id: str, action: str, correlation: dict[str, Any]) -> DraftBundle:
    """The draft, if `actor` is its requester; otherwise an audited refusal."""
    bundle = await load_bundle(uow, draft_id)
    person = await ensure_person(uow.session, platform=actor.platform, workspace=actor.workspace,
                                 user_id=actor.user_id, display_name=actor.display_name, now=uow.now())
    if person.id != bundle.draft.requester_id:
        uow.record(PendingEvent(actor=actor.label, action=f"{action}.refused", draft_id=draft_id,
                                platform=bundle.draft.platform, channel=bundle.draft.channel,
                                correlation=correlation, details={"reason": "not the requester"}))
        await uow.commit()
        raise Forbidden("Only the person who asked can change this draft.")
    return bundle


async def discard_draft(core: Core, *, actor: Actor, draft_id: str, correlation: dict[str, Any] | None = None) -> PrivateDraftView:
    correlation = correlation or {}
    async with core.uow() as uow:
        bundle = await own_draft(uow, actor, draft_id, "discard", correlation)
        if bundle.status is DraftStatus.DISCARDED:
            return build_view(bundle, await rule_for(core, uow, bundle.draft))
        try:
            before, after = await transition(uow.session, bundle.draft, Action.DISCARD, updated_at=uow.now())
        except LostRace:
            raise Refused("The draft changed while you discarded it; look again.") from None
        except InvalidTransition:
            raise Refused(f"This draft cannot be discarded: it is {bundle.status.value}.") from None
        uow.record(PendingEvent(actor=actor.label, action="draft.discarded", draft_id=draft_id,
                                platform=bundle.draft.platform, channel=bundle.draft.channel,
                                before=before.value, after=after.value, correlation=correlation))
        await uow.commit()
        view = build_view(await load_bundle(uow, draft_id), await rule_for(core, uow, bundle.draft))
    return view


async def edit_draft(
    core: Core, *, actor: Actor, draft_id: str, text: str, correlation: dict[str, Any] | None = None
) -> PrivateDraftView:
    """A new revision written by the requester; the draft is then labelled as edited."""
    correlation = correlation or {}
    try:
        cleaned = clean_text(text, limit=core.settings.max_draft_chars)
    except TextTooLong as error:
        raise BadInput(f"The edited text is too long ({error.length} characters; the limit is {error.limit}). Nothing was changed.") from None
    if not cleaned:
        raise BadInput("The edited text is empty. Nothing was changed (use Discard to drop the draft).")
    cleaned, found = redact_secrets(cleaned)
    async with core.uow() as uow:
        bundle = await own_draft(uow, actor, draft_id, "edit", correlation)
        if bundle.status is not DraftStatus.DRAFTED:
            raise Refused(f"Only an unpublished draft can be edited; this one is {bundle.status.value}.")
        if bundle.revision is not None and bundle.revision.text == cleaned:
            return build_view(bundle, await rule_for(core, uow, bundle.draft))
        now, number = uow.now(), bundle.draft.revision + 1
        digest = content_hash(cleaned)
        uow.session.add(DraftRevision(draft_id=draft_id, number=number, text=cleaned, content_hash=digest,
                                      citations=bundle.revision.citations if bundle.revision else [],
                                      author=actor.label, created_at=now))
        try:
            before, after = await transition(uow.session, bundle.draft, Action.EDIT, revision=number,
                                             shown_hash=digest, updated_at=now)
        except LostRace:
            raise Refused("The draft changed while you edited it; look again.") from None
        uow.record(PendingEvent(actor=actor.label, action="draft.edited", draft_id=draft_id,
                                platform=bundle.draft.platform, channel=bundle.draft.channel,
                                before=before.value, after=after.value, correlation=correlation,
                                details={"revision": number, "previous_hash": bundle.revision.content_hash if bundle.revision else None,
                                         "content_hash": digest, "secrets": [f.as_record() for f in found]}))
        await uow.commit()
        view = build_view(await load_bundle(uow, draft_id), await rule_for(core, uow, bundle.draft))
    return view


async def expire_due(core: Core) -> list[str]:
    """Expire open drafts past their lifetime; returns their ids."""
    async with core.uow() as uow:
        due = list((await uow.session.execute(
            select(DraftRow.id).where(
                DraftRow.status.in_([DraftStatus.DRAFTED.value, DraftStatus.AWAITING_APPROVAL.value]),
                DraftRow.expires_at <= uow.now(),
            )
        )).scalars())
    expired = []
    for draft_id in due:
        async with core.uow() as uow:
            bundle = await load_bundle(uow, draft_id)
            try:
                before, after = await transition(uow.session, bundle.draft, Action.EXPIRE, updated_at=uow.now())
            except (LostRace, InvalidTransition):
                continue
            uow.record(PendingEvent(actor="system:expiry", action="draft.expired", draft_id=draft_id,
                                    platform=bundle.draft.platform, channel=bundle.draft.channel,
                                    before=before.value, after=after.value))
            await uow.commit()
        expired.append(draft_id)
        await refresh_private(core, draft_id=draft_id)
    return expired
