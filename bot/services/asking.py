"""Asking: record the question, draft an answer, show it privately to the requester."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.domain.drafts import Action, DraftStatus
from bot.domain.rules import ChannelMode, ChannelRule
from bot.domain.text import TextTooLong, clean_text, content_hash, redact_secrets
from bot.ports import DraftResult, EngineError, Passage, PrivateDraftView, PrivateRef
from bot.services.context import Actor, BadInput, Core, Where, log
from bot.services.drafts_view import DraftBundle, build_view
from bot.services.private import deliver
from bot.store import kb_index
from bot.store.audit import PendingEvent
from bot.store.drafts import transition
from bot.store.models import DraftRevision, DraftRow, Question
from bot.store.people import ensure_person
from bot.store.rows import insert_row
from bot.store.rules import read_rule

__all__ = ["AskOutcome", "ask", "new_draft_id"]

ENGINE_FAILED = "I could not write a draft this time ({reason}). Nothing was posted. Try again in a moment."


@dataclass(frozen=True, slots=True)
class AskOutcome:
    """`kind`: "drafted", "failed", "duplicate" or "off"."""

    kind: str
    draft_id: str | None
    view: PrivateDraftView | None
    message: str


@dataclass(slots=True)
class _Started:
    """What recording the question produced, carried to the steps after it (so that they need
    not read it back)."""

    bundle: DraftBundle
    rule: ChannelRule
    passages: list[Passage]


def new_draft_id() -> str:
    """20 unguessable characters that start with a letter or digit (an id starting with "-"
    would be read as a formula by a spreadsheet, so a CSV export has to alter it)."""
    while not (draft_id := secrets.token_urlsafe(15))[0].isalnum():
        pass
    return draft_id


async def ask(
    core: Core,
    *,
    actor: Actor,
    where: Where,
    question: str,
    event_id: str,
    origin: dict[str, Any] | None = None,
    correlation: dict[str, Any] | None = None,
    private_hint: PrivateRef | None = None,
    deliver_privately: bool = True,
) -> AskOutcome:
    """Record a question and return its private draft. A redelivered `event_id` is a no-op."""
    try:
        cleaned = clean_text(question, limit=core.settings.max_question_chars)
    except TextTooLong as error:
        raise BadInput(f"Your question is too long ({error.length} characters; the limit is {error.limit}). Nothing was stored.") from None
    if not cleaned:
        raise BadInput("Ask a question: the text was empty.")
    text, found = redact_secrets(cleaned)
    correlation = {"event_id": event_id, **(correlation or {})}

    async with core.question_slots:  # the engine's wait (seconds, for a model) holds no slot
        started = await _record_question(core, actor, where, text, found, event_id, origin or {}, correlation)
    if isinstance(started, AskOutcome):
        return started
    draft_id = started.bundle.draft.id
    result = await _draft(core, draft_id, text, started.passages)
    async with core.question_slots:
        outcome = await _store_draft(core, started, result, correlation)
        if deliver_privately and outcome.view is not None:
            await deliver(core, draft_id=draft_id, hint=private_hint, correlation=correlation, view=outcome.view)
    if found:
        outcome = AskOutcome(outcome.kind, outcome.draft_id, outcome.view,
                             outcome.message + " Your question contained what looks like a secret "
                             f"({', '.join(sorted({f.kind for f in found}))}); it was removed before "
                             "drafting. Rotate it if it was real.")
    return outcome


async def _record_question(
    core: Core, actor: Actor, where: Where, text: str, found: list[Any], event_id: str,
    origin: dict[str, Any], correlation: dict[str, Any],
) -> _Started | AskOutcome:
    async with core.uow() as uow:
        rule = await read_rule(
            uow.session, platform=where.platform, workspace=where.workspace, channel=where.channel,
            default=core.settings.default_mode, shared_default=core.settings.shared_channel_mode,
            kind=where.kind,
        )
        if rule.mode is ChannelMode.OFF:
            uow.record(PendingEvent(actor=actor.label, action="ask.refused", platform=where.platform,
                                    channel=where.channel, rule_version=rule.version, correlation=correlation,
                                    details={"reason": "channel is off"}))
            await uow.commit()
            return AskOutcome("off", None, None, "draftgate is turned off in this channel. Ask me in a direct message instead.")
        person = await ensure_person(uow.session, platform=actor.platform, workspace=actor.workspace,
                                     user_id=actor.user_id, display_name=actor.display_name, now=uow.now())
        now = uow.now()
        question = Question(platform=where.platform, platform_event_id=event_id, workspace=where.workspace,
                            channel=where.channel, thread=where.thread, requester_id=person.id, text=text,
                            origin=origin, secrets=[f.as_record() for f in found], created_at=now)
        draft = DraftRow(id=new_draft_id(), requester_id=person.id, platform=where.platform,
                         workspace=where.workspace, channel=where.channel, thread=where.thread,
                         channel_kind=where.kind, status=DraftStatus.REQUESTED.value,
                         revision=0, expires_at=now + core.settings.draft_lifetime, created_at=now, updated_at=now)
        try:
            await insert_row(uow.session, question)
            draft.question_id = question.id
            await insert_row(uow.session, draft)
        except IntegrityError:
            await uow.rollback()
            return await _duplicate(core, where, event_id)
        uow.record(PendingEvent(actor=actor.label, action="draft.requested", draft_id=draft.id,
                                platform=where.platform, channel=where.channel, rule_version=rule.version,
                                after=DraftStatus.REQUESTED.value, correlation=correlation,
                                details={"question_sha256": content_hash(text), "mode": rule.mode.value,
                                         "secrets": [f.as_record() for f in found]}))
        # the passages are found in the same transaction: one fewer per question (a search that
        # fails fails the whole step, and nothing is stored)
        passages = await kb_index.search(uow.session, text, limit=core.settings.kb_top_k)
        await uow.commit()
        return _Started(DraftBundle(draft, question, person, None, None), rule, passages)


async def _duplicate(core: Core, where: Where, event_id: str) -> AskOutcome:
    async with core.uow() as uow:
        draft_id = (await uow.session.execute(
            select(DraftRow.id).join(Question, Question.id == DraftRow.question_id)
            .where(Question.platform == where.platform, Question.platform_event_id == event_id)
        )).scalar_one_or_none()
    log.info("duplicate event %s on %s ignored", event_id, where.platform)
    return AskOutcome("duplicate", draft_id, None, "This question was already received.")


async def _draft(core: Core, draft_id: str, question: str, passages: list[Passage]) -> DraftResult | EngineError:
    try:
        timeout = core.settings.openai.timeout_seconds + 5
        return await asyncio.wait_for(core.drafter.draft(question=question, passages=passages), timeout)
    except EngineError as error:
        return error
    except TimeoutError:
        return EngineError("the engine did not answer in time")
    except Exception as error:  # an engine bug must not lose the question or go public
        log.exception("engine %s failed on draft %s", core.drafter.name, draft_id)
        return EngineError(f"internal engine error: {type(error).__name__}")


async def _store_draft(core: Core, started: _Started, result: DraftResult | EngineError, correlation: dict[str, Any]) -> AskOutcome:
    """Store the draft (or why there is none) and build the private view from what is known:
    the draft as recorded (its status guards the update), under the rule it was asked under."""
    bundle = started.bundle
    async with core.uow() as uow:
        draft, now = bundle.draft, uow.now()
        if isinstance(result, EngineError):
            reason = str(result)
            before, after = await transition(uow.session, draft, Action.FAIL, error=reason, updated_at=now,
                                             engine=core.drafter.name)
            uow.record(PendingEvent(actor="system:engine", action="draft.failed", draft_id=draft.id,
                                    platform=draft.platform, channel=draft.channel, before=before.value,
                                    after=after.value, correlation=correlation, details={"error": reason}))
            message = ENGINE_FAILED.format(reason=reason)
        else:
            text = result.text.strip()
            limit = core.settings.max_draft_chars
            if len(text) > limit:
                text = text[:limit].rstrip() + f"\n\n[answer cut at {limit} characters]"
            text, found = redact_secrets(text)
            digest = content_hash(text)
            bundle.revision = DraftRevision(draft_id=draft.id, number=1, text=text, content_hash=digest,
                                            citations=[c.as_record() for c in result.citations],
                                            author=f"engine:{result.engine}", created_at=now)
            await insert_row(uow.session, bundle.revision)
            before, after = await transition(uow.session, draft, Action.DRAFT, revision=1, engine=result.engine,
                                             model=result.model, updated_at=now)
            uow.record(PendingEvent(actor=f"system:engine:{result.engine}", action="draft.drafted",
                                    draft_id=draft.id, platform=draft.platform, channel=draft.channel,
                                    before=before.value, after=after.value, correlation=correlation,
                                    details={"content_hash": digest, "model": result.model,
                                             "citations": len(result.citations), "found_nothing": result.found_nothing,
                                             "secrets": [f.as_record() for f in found]}))
            message = "Here is your private draft."
        await uow.commit()
    view = build_view(bundle, started.rule, note=message if isinstance(result, EngineError) else None)
    kind = "failed" if isinstance(result, EngineError) else "drafted"
    return AskOutcome(kind, draft.id, view, message)
