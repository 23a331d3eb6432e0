"""The publish gate: the one code path that posts to a shared channel.

A draft reaches a channel only if the actor is its requester (or, in a moderated channel, a
moderator approved it after the requester confirmed), it is publishable and not expired, the
rule read now allows it, and the text posted is the text confirmed (content hash). The claim
is a compare-and-set; the outbox row is written before the platform call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.domain.drafts import Action, DraftStatus
from bot.domain.labels import LabelledAnswer, NotConfirmed
from bot.domain.text import content_hash
from bot.domain.rules import RuleDecision, decide
from bot.ports import PlatformError, PublishedRef
from bot.services.context import Actor, Core, Forbidden, Operator, Refused, log
from bot.services.drafts_view import DraftBundle, load_bundle, rule_for
from bot.services.private import refresh_private, show_private
from bot.store.audit import PendingEvent
from bot.store.drafts import LostRace, transition
from bot.store.models import DraftRow, Publication
from bot.services.identity import may_moderate, person_of
from bot.store.people import ensure_person
from bot.store.uow import UnitOfWork

__all__ = ["PublishOutcome", "approve_draft", "confirm_draft", "reconcile_publishing"]


@dataclass(frozen=True, slots=True)
class PublishOutcome:
    """`kind`: published, already_published, in_progress, awaiting_approval, denied, failed."""

    kind: str
    draft_id: str
    message: str
    permalink: str | None = None


_NOT_PUBLISHABLE = {
    DraftStatus.REQUESTED: "This draft is still being written.",
    DraftStatus.FAILED: "This draft failed and cannot be published. Ask again.",
    DraftStatus.DISCARDED: "This draft was discarded.",
    DraftStatus.EXPIRED: "This draft expired. Ask again for a fresh one.",
    DraftStatus.DENIED: "Publishing is not allowed in this channel.",
    DraftStatus.REJECTED: "A moderator declined to publish this draft.",
    DraftStatus.RETRACTED: "This answer was published and then retracted by a moderator.",
}


def _event(bundle: DraftBundle, actor: str, action: str, correlation: dict[str, Any], **kw: Any) -> PendingEvent:
    return PendingEvent(actor=actor, action=action, draft_id=bundle.draft.id, platform=bundle.draft.platform,
                        channel=bundle.draft.channel, correlation=correlation, **kw)


async def _refuse(uow: UnitOfWork, bundle: DraftBundle, actor: str, correlation: dict[str, Any], reason: str) -> None:
    uow.record(_event(bundle, actor, "publish.refused", correlation, before=bundle.status.value,
                      after=bundle.status.value, details={"reason": reason}))
    await uow.commit()


async def _settled(bundle: DraftBundle) -> PublishOutcome | None:
    """Outcomes for a click on a draft that is already on its way or done (double clicks)."""
    status, draft_id = bundle.status, bundle.draft.id
    if status is DraftStatus.PUBLISHED:
        link = bundle.publication.permalink if bundle.publication else None
        return PublishOutcome("already_published", draft_id, "This draft is already published.", link)
    if status in (DraftStatus.CONFIRMED, DraftStatus.PUBLISHING):
        return PublishOutcome("in_progress", draft_id, "Publishing is already in progress.")
    if status is DraftStatus.AWAITING_APPROVAL:
        return PublishOutcome("awaiting_approval", draft_id, "This draft is waiting for a moderator.")
    return None


async def _expire_if_due(uow: UnitOfWork, bundle: DraftBundle, actor: str, correlation: dict[str, Any]) -> None:
    if uow.now() < bundle.draft.expires_at:
        return
    try:
        before, after = await transition(uow.session, bundle.draft, Action.EXPIRE, updated_at=uow.now())
    except LostRace:  # expired (or changed) by a concurrent request
        raise Refused("This draft expired. Ask again for a fresh one.") from None
    uow.record(_event(bundle, actor, "draft.expired", correlation, before=before.value, after=after.value))
    await uow.commit()
    raise Refused("This draft expired. Ask again for a fresh one.")


async def confirm_draft(
    core: Core, *, actor: Actor, draft_id: str, expected_hash: str | None = None,
    correlation: dict[str, Any] | None = None,
) -> PublishOutcome:
    """The requester pressed Publish."""
    correlation = correlation or {}
    async with core.uow() as uow:
        bundle = await load_bundle(uow, draft_id)
        person = await ensure_person(uow.session, platform=actor.platform, workspace=actor.workspace,
                                     user_id=actor.user_id, display_name=actor.display_name, now=uow.now())
        if person.id != bundle.draft.requester_id:
            await _refuse(uow, bundle, actor.label, correlation, "not the requester")
            raise Forbidden("Only the person who asked can publish this draft.")
        if (settled := await _settled(bundle)) is not None:
            return settled
        if bundle.status not in (DraftStatus.DRAFTED, DraftStatus.PUBLISH_FAILED):
            await _refuse(uow, bundle, actor.label, correlation, f"draft is {bundle.status.value}")
            raise Refused(_NOT_PUBLISHABLE.get(bundle.status, "This draft cannot be published."))
        await _expire_if_due(uow, bundle, actor.label, correlation)
        assert bundle.revision is not None
        if content_hash(bundle.revision.text) != bundle.revision.content_hash:
            await _refuse(uow, bundle, actor.label, correlation, "stored text does not match its hash")
            raise Refused("This draft's stored text does not match what was drafted; it will not be published.")
        if expected_hash is not None and expected_hash != bundle.revision.content_hash:
            await _refuse(uow, bundle, actor.label, correlation, "text changed since it was shown")
            raise Refused("The draft changed since you looked at it. Review the current version and press Publish again.")
        rule = await rule_for(core, uow, bundle.draft)
        decision = decide(rule, approved=bundle.draft.approved_by_id is not None)
        rule_info = {"rule_version": rule.version}
        now = uow.now()
        if decision is RuleDecision.DENY:
            denied = PublishOutcome("denied", draft_id, f"Publishing is not allowed in this channel (rule: {rule.mode.value}). The draft stays private.")
            try:
                before, after = await transition(uow.session, bundle.draft, Action.DENY, updated_at=now)
            except LostRace:  # a concurrent click got here first
                return denied
            uow.record(_event(bundle, actor.label, "draft.denied", correlation, before=before.value,
                              after=after.value, details={"mode": rule.mode.value, "source": rule.source}, **rule_info))
            await uow.commit()
            await refresh_private(core, draft_id=draft_id)
            return denied
        confirmation = {"confirmed_by_id": person.id, "confirmed_hash": bundle.revision.content_hash,
                        "confirmed_at": now, "updated_at": now}
        if decision is RuleDecision.NEEDS_APPROVAL:
            try:
                before, after = await transition(uow.session, bundle.draft, Action.REQUEST_APPROVAL, **confirmation)
            except LostRace:
                return PublishOutcome("in_progress", draft_id, "This draft is already on its way.")
            uow.record(_event(bundle, actor.label, "draft.approval_requested", correlation, before=before.value,
                              after=after.value, details={"content_hash": bundle.revision.content_hash}, **rule_info))
            await uow.commit()
            await refresh_private(core, draft_id=draft_id)
            return PublishOutcome("awaiting_approval", draft_id, "Sent to a moderator. It will be published when they approve it.")
        try:
            before, after = await transition(uow.session, bundle.draft, Action.CONFIRM, **confirmation)
        except LostRace:
            return PublishOutcome("in_progress", draft_id, "Publishing is already in progress.")
        uow.record(_event(bundle, actor.label, "draft.confirmed", correlation, before=before.value,
                          after=after.value, details={"content_hash": bundle.revision.content_hash}, **rule_info))
        return await _claim_and_post(core, uow, bundle, actor.label, correlation, rule_version=rule.version)


async def approve_draft(
    core: Core, *, actor: Actor | Operator, draft_id: str, correlation: dict[str, Any] | None = None
) -> PublishOutcome:
    """A moderator approved a draft that its requester confirmed in a moderated channel."""
    correlation = correlation or {}
    async with core.uow() as uow:
        bundle = await load_bundle(uow, draft_id)
        person = await person_of(uow, actor)
        if not await may_moderate(uow, actor, person, bundle.draft.platform):
            await _refuse(uow, bundle, actor.label, correlation, "approver is not a moderator")
            raise Forbidden("Only a moderator can approve drafts.")
        if person.id == bundle.draft.requester_id:
            await _refuse(uow, bundle, actor.label, correlation, "approver is the requester")
            raise Forbidden("A moderator cannot approve their own draft; another moderator must.")
        if bundle.status is not DraftStatus.AWAITING_APPROVAL:
            if (settled := await _settled(bundle)) is not None:
                return settled
            raise Refused(_NOT_PUBLISHABLE.get(bundle.status, "This draft is not waiting for approval."))
        await _expire_if_due(uow, bundle, actor.label, correlation)
        rule = await rule_for(core, uow, bundle.draft)
        now = uow.now()
        if decide(rule, approved=True) is RuleDecision.DENY:
            try:
                before, after = await transition(uow.session, bundle.draft, Action.DENY, updated_at=now)
            except LostRace:
                return PublishOutcome("in_progress", draft_id, "Another moderator is handling this draft.")
            uow.record(_event(bundle, actor.label, "draft.denied", correlation, before=before.value,
                              after=after.value, rule_version=rule.version, details={"mode": rule.mode.value}))
            await uow.commit()
            await refresh_private(core, draft_id=draft_id)
            return PublishOutcome("denied", draft_id, f"The channel's rule changed to {rule.mode.value}; nothing was published.")
        try:
            before, after = await transition(uow.session, bundle.draft, Action.APPROVE, approved_by_id=person.id,
                                             approved_at=now, updated_at=now)
        except LostRace:
            return PublishOutcome("in_progress", draft_id, "Another moderator is handling this draft.")
        uow.record(_event(bundle, actor.label, "draft.approved", correlation, before=before.value,
                          after=after.value, rule_version=rule.version))
        return await _claim_and_post(core, uow, bundle, actor.label, correlation, rule_version=rule.version)


async def _claim_and_post(
    core: Core, uow: UnitOfWork, bundle: DraftBundle, actor: str, correlation: dict[str, Any], *, rule_version: int
) -> PublishOutcome:
    """Claim (confirmed → publishing), write the outbox row, commit; then post and record."""
    draft, now = bundle.draft, uow.now()
    try:
        before, after = await transition(uow.session, draft, Action.CLAIM, claimed_at=now, updated_at=now)
    except LostRace:
        return PublishOutcome("in_progress", draft.id, "Publishing is already in progress.")
    publication = bundle.publication
    if publication is None:
        publication = Publication(draft_id=draft.id, platform=draft.platform, workspace=draft.workspace,
                                  channel=draft.channel, thread=draft.thread, nonce=draft.id, status="pending",
                                  attempts=0, content_hash=draft.confirmed_hash or "", created_at=now)
        uow.session.add(publication)
    publication.status, publication.attempts = "pending", publication.attempts + 1
    publication.content_hash = draft.confirmed_hash or ""
    uow.record(_event(bundle, actor, "publish.claimed", correlation, before=before.value, after=after.value,
                      rule_version=rule_version, details={"attempt": publication.attempts, "nonce": publication.nonce}))
    bundle.publication = publication
    try:  # what will be posted, from what this transaction writes (no second read)
        answer: LabelledAnswer | NotConfirmed = await _answer_from(uow, bundle)
    except NotConfirmed as refusal:
        answer = refusal
    await uow.commit()
    return await _post(core, draft.id, actor, correlation, retry=publication.attempts > 1, answer=answer)


async def _answer_for(core: Core, uow: UnitOfWork, draft_id: str) -> tuple[DraftBundle, LabelledAnswer]:
    bundle = await load_bundle(uow, draft_id)
    return bundle, await _answer_from(uow, bundle)


async def _answer_from(uow: UnitOfWork, bundle: DraftBundle) -> LabelledAnswer:
    """The labelled answer for a confirmed draft; NotConfirmed if its text is not the text confirmed."""
    draft = bundle.draft
    confirmer = await uow.session.get(type(bundle.requester), draft.confirmed_by_id) if draft.confirmed_by_id else None
    approver = await uow.session.get(type(bundle.requester), draft.approved_by_id) if draft.approved_by_id else None
    return LabelledAnswer.from_confirmed(
        draft_id=draft.id, status=draft.status, platform=draft.platform, workspace=draft.workspace,
        channel=draft.channel, thread=draft.thread, text=bundle.text, citations=bundle.citations,
        confirmed_by=confirmer.display_name if confirmer else None, confirmed_hash=draft.confirmed_hash,
        edited=bundle.edited, approved_by=approver.display_name if approver else None,
        nonce=bundle.publication.nonce if bundle.publication else draft.id,
    )


async def _post(
    core: Core, draft_id: str, actor: str, correlation: dict[str, Any], *, retry: bool,
    answer: LabelledAnswer | NotConfirmed,
) -> PublishOutcome:
    if isinstance(answer, NotConfirmed):  # e.g. the stored text changed after it was confirmed
        log.error("draft %s failed its integrity check: %s", draft_id, answer)
        return await _record_post(core, draft_id, actor, correlation, None, f"integrity check failed: {answer}")
    platform = core.platform(answer.platform)
    ref: PublishedRef | None = None
    error: str | None = None
    try:
        if retry:  # an earlier attempt may have reached the platform without being recorded
            ref = await platform.find_published(answer=answer)
        if ref is None:
            ref = await platform.publish(answer=answer)
    except PlatformError as failure:
        error = str(failure)
    except Exception as failure:  # unknown outcome: recorded as failed, a retry looks before posting
        log.exception("publishing draft %s failed", draft_id)
        error = f"unexpected error: {type(failure).__name__}"
    return await _record_post(core, draft_id, actor, correlation, ref, error)


async def _record_post(
    core: Core, draft_id: str, actor: str, correlation: dict[str, Any], ref: PublishedRef | None, error: str | None
) -> PublishOutcome:
    async with core.uow() as uow:
        bundle = await load_bundle(uow, draft_id)
        publication, now = bundle.publication, uow.now()
        assert publication is not None
        action = Action.POSTED if ref is not None else Action.POST_FAILED
        try:
            before, after = await transition(uow.session, bundle.draft, action, updated_at=now)
        except LostRace:
            log.warning("draft %s changed while it was being posted (reconciled elsewhere)", draft_id)
            return PublishOutcome("in_progress", draft_id, "Publishing is being finished elsewhere.")
        if ref is not None:
            publication.status, publication.message_id, publication.permalink = "posted", ref.message_id, ref.permalink
            publication.message_ref, publication.posted_at, publication.last_error = dict(ref.data), now, None
            uow.record(_event(bundle, actor, "draft.published", correlation, before=before.value, after=after.value,
                              details={"message_id": ref.message_id, "content_hash": publication.content_hash}))
        else:
            publication.status, publication.last_error = "failed", error
            uow.record(_event(bundle, actor, "publish.failed", correlation, before=before.value, after=after.value,
                              details={"error": error, "attempt": publication.attempts}))
        rule = await rule_for(core, uow, bundle.draft)
        await uow.commit()
    await show_private(core, bundle, rule)
    if ref is not None:
        return PublishOutcome("published", draft_id, "Published.", ref.permalink)
    return PublishOutcome("failed", draft_id, f"Publishing failed ({error}). Nothing was lost: press Publish again to retry.")


async def reconcile_publishing(core: Core, *, older_than: timedelta | None = None) -> list[str]:
    """Finish publishes interrupted by a crash: found on the platform → published, else failed
    (retryable). Never posts. Returns the draft ids it settled."""
    lease = older_than if older_than is not None else timedelta(seconds=core.settings.publish_lease_seconds)
    async with core.uow() as uow:
        cutoff = uow.now() - lease
        stuck = list((await uow.session.execute(
            select(DraftRow.id).where(DraftRow.status == DraftStatus.PUBLISHING.value, DraftRow.claimed_at <= cutoff)
        )).scalars())
    settled = []
    for draft_id in stuck:
        try:
            async with core.uow() as uow:
                _, answer = await _answer_for(core, uow, draft_id)
            ref = await core.platform(answer.platform).find_published(answer=answer)
        except Exception as error:
            log.warning("reconcile could not check draft %s: %s", draft_id, error)
            continue
        error = None if ref is not None else "interrupted before the platform confirmed the post"
        outcome = await _record_post(core, draft_id, "system:reconcile", {"reconcile": True}, ref, error)
        if outcome.kind in ("published", "failed"):
            settled.append(draft_id)
    return settled
