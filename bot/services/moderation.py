"""What moderators do: reject drafts waiting for approval, review and retract published answers."""

from __future__ import annotations

from typing import Any

from bot.domain.drafts import Action, DraftStatus
from bot.domain.text import clean_text
from bot.ports import PlatformError, PublishedRef
from bot.services.context import Actor, BadInput, Core, Forbidden, Operator, Refused
from bot.services.drafts_view import DraftBundle, load_bundle
from bot.services.private import refresh_private
from bot.store.audit import PendingEvent
from bot.store.drafts import LostRace, transition
from bot.services.identity import may_moderate, person_of
from bot.store.uow import UnitOfWork

__all__ = ["RETRACTION_NOTE", "mark_reviewed", "reject_draft", "retract_answer"]

RETRACTION_NOTE = "An AI-generated answer that was here was retracted by a moderator."


async def _moderator(uow: UnitOfWork, actor: Actor | Operator, bundle: DraftBundle, action: str,
                     correlation: dict[str, Any], *, requester_may: bool = False) -> None:
    person = await person_of(uow, actor)
    allowed = await may_moderate(uow, actor, person, bundle.draft.platform)
    if requester_may and person.id == bundle.draft.requester_id:
        allowed = True
    if not allowed:
        uow.record(PendingEvent(actor=actor.label, action=f"{action}.refused", draft_id=bundle.draft.id,
                                platform=bundle.draft.platform, channel=bundle.draft.channel,
                                correlation=correlation, details={"reason": "not a moderator"}))
        await uow.commit()
        raise Forbidden("Only a moderator can do that.")


def _reason(text: str | None, *, required: bool) -> str:
    reason = clean_text(text or "", limit=10_000)[:1000]
    if required and not reason:
        raise BadInput("Give a reason.")
    return reason


async def reject_draft(core: Core, *, actor: Actor | Operator, draft_id: str, reason: str | None = None,
                       correlation: dict[str, Any] | None = None) -> str:
    correlation = correlation or {}
    why = _reason(reason, required=False)
    async with core.uow() as uow:
        bundle = await load_bundle(uow, draft_id)
        await _moderator(uow, actor, bundle, "reject", correlation)
        if bundle.status is DraftStatus.REJECTED:
            return "This draft was already rejected."
        if bundle.status is not DraftStatus.AWAITING_APPROVAL:
            raise Refused(f"This draft is not waiting for approval (it is {bundle.status.value}).")
        try:
            before, after = await transition(uow.session, bundle.draft, Action.REJECT, updated_at=uow.now())
        except LostRace:
            raise Refused("Another moderator handled this draft first.") from None
        uow.record(PendingEvent(actor=actor.label, action="draft.rejected", draft_id=draft_id,
                                platform=bundle.draft.platform, channel=bundle.draft.channel, before=before.value,
                                after=after.value, correlation=correlation, details={"reason": why}))
        await uow.commit()
    await refresh_private(core, draft_id=draft_id, note="A moderator declined to publish this draft." + (f" Reason: {why}" if why else ""))
    return "Rejected. The requester was told."


async def retract_answer(core: Core, *, actor: Actor | Operator, draft_id: str, reason: str | None,
                         correlation: dict[str, Any] | None = None) -> str:
    """Delete the public message (leaving a note), record it, tell the requester. Twice is a no-op."""
    correlation = correlation or {}
    why = _reason(reason, required=False)
    async with core.uow() as uow:
        bundle = await load_bundle(uow, draft_id)
        await _moderator(uow, actor, bundle, "retract", correlation, requester_may=True)
        if bundle.status is DraftStatus.RETRACTED:
            return "This answer was already retracted."
        if bundle.status is not DraftStatus.PUBLISHED or bundle.publication is None:
            raise Refused(f"Only a published answer can be retracted; this draft is {bundle.status.value}.")
        publication = bundle.publication
        ref = PublishedRef(message_id=publication.message_id or "", permalink=publication.permalink,
                           data=dict(publication.message_ref or {}))
        channel = bundle.draft.channel
    try:
        await core.platform(bundle.draft.platform).retract(ref=ref, channel=channel, note=RETRACTION_NOTE)
    except PlatformError as error:
        async with core.uow() as uow:
            uow.record(PendingEvent(actor=actor.label, action="retract.failed", draft_id=draft_id,
                                    platform=bundle.draft.platform, channel=channel, correlation=correlation,
                                    details={"error": str(error)}))
            await uow.commit()
        raise Refused(f"The message could not be removed ({error}); it is still published. Try again.") from None
    async with core.uow() as uow:
        bundle = await load_bundle(uow, draft_id)
        try:
            before, after = await transition(uow.session, bundle.draft, Action.RETRACT, updated_at=uow.now())
        except LostRace:
            return "This answer was already retracted."
        assert bundle.publication is not None
        bundle.publication.status = "retracted"
        bundle.publication.retracted_at, bundle.publication.retracted_by = uow.now(), actor.label
        bundle.publication.retract_reason = why
        uow.record(PendingEvent(actor=actor.label, action="draft.retracted", draft_id=draft_id,
                                platform=bundle.draft.platform, channel=channel, before=before.value,
                                after=after.value, correlation=correlation, details={"reason": why}))
        await uow.commit()
    await refresh_private(core, draft_id=draft_id, note="Your published answer was retracted by a moderator." + (f" Reason: {why}" if why else ""))
    return "Retracted. The public message was replaced by a note and the requester was told."


async def mark_reviewed(core: Core, *, actor: Actor | Operator, draft_id: str, note: str | None = None,
                        correlation: dict[str, Any] | None = None) -> str:
    correlation = correlation or {}
    why = _reason(note, required=False)
    async with core.uow() as uow:
        bundle = await load_bundle(uow, draft_id)
        await _moderator(uow, actor, bundle, "review", correlation)
        if bundle.publication is None or bundle.status not in (DraftStatus.PUBLISHED, DraftStatus.RETRACTED):
            raise Refused("Only a published answer can be marked reviewed.")
        bundle.publication.reviewed_at, bundle.publication.reviewed_by = uow.now(), actor.label
        uow.record(PendingEvent(actor=actor.label, action="publication.reviewed", draft_id=draft_id,
                                platform=bundle.draft.platform, channel=bundle.draft.channel,
                                correlation=correlation, details={"note": why}))
        await uow.commit()
    return "Marked reviewed."
