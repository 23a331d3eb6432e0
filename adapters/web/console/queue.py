"""The review queue: published answers newest first, with what a moderator needs to judge
them (the question, the text as confirmed and the engine's original if it was edited, sources,
engine and model, who confirmed it and when), and the drafts waiting for approval."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, UTC
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.web.console.inputs import is_draft_id, plain
from adapters.web.console.models import ConsoleAccount, ConsoleIdentity
from bot.domain.drafts import DraftStatus
from bot.domain.labels import Citation
from bot.services import Core
from bot.store.models import AuditEvent, DraftRevision, DraftRow, Person, Publication, Question

__all__ = ["ANSWER_STATUSES", "AnswerEntry", "AnswerFilters", "PersonRef", "answer_entry", "day_start", "list_answers",
           "list_waiting"]

ANSWER_STATUSES = ("all", "published", "reviewed", "retracted")
PER_PAGE = 20


@dataclass(frozen=True, slots=True)
class PersonRef:
    name: str
    identity: str
    account: str | None = None  # the console account this identity is linked to


@dataclass(frozen=True, slots=True)
class AnswerFilters:
    platform: str = ""
    channel: str = ""
    requester: str = ""
    status: str = "all"
    since: date | None = None
    until: date | None = None
    page: int = 1

    def query(self) -> dict[str, str]:
        values = {"platform": self.platform, "channel": self.channel, "requester": self.requester,
                  "status": "" if self.status == "all" else self.status,
                  "since": self.since.isoformat() if self.since else "", "until": self.until.isoformat() if self.until else ""}
        return {k: v for k, v in values.items() if v}


@dataclass(slots=True)
class AnswerEntry:
    draft_id: str
    draft_status: str
    review_status: str  # published (not reviewed yet), reviewed, retracted, or the draft status while waiting
    platform: str
    workspace: str
    channel: str
    requester: PersonRef
    question: str
    text: str
    original: str | None
    diff: list[tuple[str, str]]
    citations: list[Citation]
    engine: str
    model: str
    asked_at: datetime
    confirmed_by: PersonRef | None
    confirmed_at: datetime | None
    approved_by: PersonRef | None
    approved_at: datetime | None
    posted_at: datetime | None
    permalink: str | None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    review_note: str | None = None
    retracted_by: str | None = None
    retracted_at: datetime | None = None
    retract_reason: str | None = None
    expires_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        def person(p: PersonRef | None) -> dict[str, Any] | None:
            return None if p is None else {"name": p.name, "identity": p.identity, "account": p.account}

        def stamp(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "draft_id": self.draft_id, "status": self.review_status, "draft_status": self.draft_status,
            "platform": self.platform, "workspace": self.workspace, "channel": self.channel,
            "requester": person(self.requester), "question": self.question, "text": self.text,
            "edited": self.original is not None, "original": self.original,
            "sources": [c.as_record() for c in self.citations], "engine": self.engine, "model": self.model,
            "asked_at": stamp(self.asked_at), "confirmed_by": person(self.confirmed_by),
            "confirmed_at": stamp(self.confirmed_at), "approved_by": person(self.approved_by),
            "approved_at": stamp(self.approved_at), "posted_at": stamp(self.posted_at), "permalink": self.permalink,
            "reviewed_by": self.reviewed_by, "reviewed_at": stamp(self.reviewed_at), "review_note": self.review_note,
            "retracted_by": self.retracted_by, "retracted_at": stamp(self.retracted_at),
            "retract_reason": self.retract_reason, "expires_at": stamp(self.expires_at),
        }


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _filtered(query: Select[Any], f: AnswerFilters) -> Select[Any]:
    platform, channel, requester = plain(f.platform, 32), plain(f.channel, 128).lstrip("#"), plain(f.requester, 128)
    if platform:
        query = query.where(DraftRow.platform == platform)
    if channel:
        query = query.where(DraftRow.channel == channel)
    if requester:
        query = query.where(or_(Person.user_id == requester,
                                func.lower(Person.display_name).contains(requester.lower(), autoescape=True)))
    if f.status == "published":
        query = query.where(DraftRow.status == DraftStatus.PUBLISHED.value, Publication.reviewed_at.is_(None))
    elif f.status == "reviewed":
        query = query.where(DraftRow.status == DraftStatus.PUBLISHED.value, Publication.reviewed_at.is_not(None))
    elif f.status == "retracted":
        query = query.where(DraftRow.status == DraftStatus.RETRACTED.value)
    else:
        query = query.where(DraftRow.status.in_([DraftStatus.PUBLISHED.value, DraftStatus.RETRACTED.value]))
    if f.since:
        query = query.where(Publication.posted_at >= day_start(f.since))
    if f.until:
        query = query.where(Publication.posted_at < day_start(f.until) + timedelta(days=1))
    return query


async def list_answers(core: Core, filters: AnswerFilters, *, per_page: int = PER_PAGE) -> tuple[list[AnswerEntry], int]:
    base = (select(DraftRow.id).join(Publication, Publication.draft_id == DraftRow.id)
            .join(Person, Person.id == DraftRow.requester_id))
    base = _filtered(base, filters)
    async with core.uow() as uow:
        total = int((await uow.session.execute(select(func.count()).select_from(base.subquery()))).scalar_one())
        page = max(1, filters.page)
        ids = (await uow.session.execute(
            base.order_by(Publication.posted_at.desc(), DraftRow.id).offset((page - 1) * per_page).limit(per_page)
        )).scalars().all()
        return [await _entry(uow.session, draft_id) for draft_id in ids], total


async def list_waiting(core: Core, *, limit: int = 100) -> list[AnswerEntry]:
    async with core.uow() as uow:
        ids = (await uow.session.execute(
            select(DraftRow.id).where(DraftRow.status == DraftStatus.AWAITING_APPROVAL.value)
            .order_by(DraftRow.updated_at).limit(limit))).scalars().all()
        return [await _entry(uow.session, draft_id) for draft_id in ids]


async def answer_entry(core: Core, draft_id: str) -> AnswerEntry | None:
    async with core.uow() as uow:
        if not is_draft_id(draft_id) or await uow.session.get(DraftRow, draft_id) is None:
            return None
        return await _entry(uow.session, draft_id)


async def _person(session: AsyncSession, person_id: int | None) -> PersonRef | None:
    if person_id is None:
        return None
    person = await session.get(Person, person_id)
    if person is None:
        return None
    identity = f"{person.platform}:{person.workspace + '/' if person.workspace else ''}{person.user_id}"
    if person.platform == "operator":
        return PersonRef(person.display_name, person.user_id,
                         person.user_id.removeprefix("console:") if person.user_id.startswith("console:") else None)
    account = (await session.execute(
        select(ConsoleAccount.username).join(ConsoleIdentity, ConsoleIdentity.account_id == ConsoleAccount.id)
        .where(and_(ConsoleIdentity.platform == person.platform, ConsoleIdentity.workspace == person.workspace,
                    ConsoleIdentity.user_id == person.user_id)))).scalar_one_or_none()
    return PersonRef(person.display_name, identity, account)


async def _entry(session: AsyncSession, draft_id: str) -> AnswerEntry:
    draft = await session.get(DraftRow, draft_id)
    assert draft is not None
    question = await session.get(Question, draft.question_id)
    publication = (await session.execute(select(Publication).where(Publication.draft_id == draft_id))).scalar_one_or_none()
    revisions = list((await session.execute(
        select(DraftRevision).where(DraftRevision.draft_id == draft_id).order_by(DraftRevision.number))).scalars())
    wanted = draft.confirmed_hash
    shown = next((r for r in reversed(revisions) if wanted and r.content_hash == wanted), None) \
        or next((r for r in reversed(revisions) if r.number == draft.revision), None)
    original = next((r for r in revisions if r.author.startswith("engine:")), None)
    edited = shown is not None and original is not None and shown.id != original.id and shown.text != original.text
    diff = []
    if edited and original is not None and shown is not None:
        for line in difflib.ndiff(original.text.splitlines(), shown.text.splitlines()):
            if line.startswith(("+ ", "- ", "  ")):
                diff.append((line[0], line[2:]))
    note = None
    if publication is not None and publication.reviewed_at is not None:
        event = (await session.execute(
            select(AuditEvent).where(AuditEvent.draft_id == draft_id, AuditEvent.action == "publication.reviewed")
            .order_by(AuditEvent.seq.desc()).limit(1))).scalar_one_or_none()
        note = str(event.details.get("note") or "") if event is not None else None
    status = draft.status
    if status == DraftStatus.PUBLISHED.value:
        status = "reviewed" if publication is not None and publication.reviewed_at else "published"
    requester = await _person(session, draft.requester_id)
    assert requester is not None and question is not None
    return AnswerEntry(
        draft_id=draft.id, draft_status=draft.status, review_status=status, platform=draft.platform,
        workspace=draft.workspace, channel=draft.channel, requester=requester, question=question.text,
        text=shown.text if shown else (draft.error or ""), original=original.text if edited and original else None,
        diff=diff, citations=[Citation.from_record(c) for c in (shown.citations if shown else [])],
        engine=draft.engine, model=draft.model, asked_at=draft.created_at,
        confirmed_by=await _person(session, draft.confirmed_by_id), confirmed_at=draft.confirmed_at,
        approved_by=await _person(session, draft.approved_by_id), approved_at=draft.approved_at,
        posted_at=publication.posted_at if publication else None,
        permalink=publication.permalink if publication else None,
        reviewed_by=publication.reviewed_by if publication else None,
        reviewed_at=publication.reviewed_at if publication else None, review_note=note,
        retracted_by=publication.retracted_by if publication else None,
        retracted_at=publication.retracted_at if publication else None,
        retract_reason=publication.retract_reason if publication else None,
        expires_at=draft.expires_at,
    )
