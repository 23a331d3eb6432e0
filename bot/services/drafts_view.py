"""Loading a draft with what surrounds it, and the private view its requester sees."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from bot.domain.drafts import DraftStatus
from bot.domain.labels import Citation, private_label
from bot.domain.rules import ChannelMode, ChannelRule
from bot.ports import PrivateDraftView
from bot.services.context import Core, NotFound
from bot.store.drafts import current_revision
from bot.store.models import DraftRevision, DraftRow, Person, Publication, Question
from bot.store.rules import read_rule
from bot.store.uow import UnitOfWork

__all__ = ["DRAFT_ID", "NO_SUCH_DRAFT", "DraftBundle", "build_view", "load_bundle", "rule_for"]

DRAFT_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")  # anything else cannot be a draft id
NO_SUCH_DRAFT = "That draft does not exist (it may have been removed, or the link is wrong)."

STATUS_NOTES = {
    DraftStatus.REQUESTED: "Drafting…",
    DraftStatus.FAILED: "The draft could not be written.",
    DraftStatus.DISCARDED: "Discarded.",
    DraftStatus.EXPIRED: "This draft expired. Ask again for a fresh one.",
    DraftStatus.DENIED: "Publishing is not allowed in this channel; the draft stays private.",
    DraftStatus.AWAITING_APPROVAL: "Sent to a moderator for approval.",
    DraftStatus.REJECTED: "A moderator declined to publish this draft.",
    DraftStatus.CONFIRMED: "Publishing…",
    DraftStatus.PUBLISHING: "Publishing…",
    DraftStatus.PUBLISH_FAILED: "Publishing failed. Press Publish to try again.",
    DraftStatus.PUBLISHED: "Published.",
    DraftStatus.RETRACTED: "A moderator retracted the published answer.",
}


@dataclass(slots=True)
class DraftBundle:
    draft: DraftRow
    question: Question
    requester: Person
    revision: DraftRevision | None
    publication: Publication | None

    @property
    def status(self) -> DraftStatus:
        return DraftStatus(self.draft.status)

    @property
    def text(self) -> str:
        return self.revision.text if self.revision else ""

    @property
    def citations(self) -> tuple[Citation, ...]:
        return tuple(Citation.from_record(c) for c in (self.revision.citations if self.revision else []))

    @property
    def edited(self) -> bool:
        return self.revision is not None and not self.revision.author.startswith("engine:")


async def load_bundle(uow: UnitOfWork, draft_id: str) -> DraftBundle:
    session = uow.session
    draft = await session.get(DraftRow, draft_id) if DRAFT_ID.fullmatch(draft_id or "") else None
    if draft is None:
        raise NotFound(NO_SUCH_DRAFT)
    question = await session.get(Question, draft.question_id)
    requester = await session.get(Person, draft.requester_id)
    assert question is not None and requester is not None
    publication = (
        await session.execute(select(Publication).where(Publication.draft_id == draft.id))
    ).scalar_one_or_none()
    return DraftBundle(draft, question, requester, await current_revision(session, draft), publication)


async def rule_for(core: Core, uow: UnitOfWork, draft: DraftRow) -> ChannelRule:
    return await read_rule(
        uow.session,
        platform=draft.platform,
        workspace=draft.workspace,
        channel=draft.channel,
        default=core.settings.default_mode,
        shared_default=core.settings.shared_channel_mode,
        kind=draft.channel_kind,
    )


def build_view(bundle: DraftBundle, rule: ChannelRule, *, note: str | None = None) -> PrivateDraftView:
    status = bundle.status
    can_publish = status in (DraftStatus.DRAFTED, DraftStatus.PUBLISH_FAILED) and rule.mode.offers_publish
    if note is None and status is DraftStatus.DRAFTED and not rule.mode.offers_publish:
        note = (
            "Publishing is off in this channel: this answer stays private."
            if rule.mode is ChannelMode.PRIVATE_ONLY or rule.mode is ChannelMode.OFF
            else None
        )
    elif note is None and status is not DraftStatus.DRAFTED:
        note = STATUS_NOTES.get(status)
    if status is DraftStatus.DRAFTED and rule.mode is ChannelMode.MODERATED and note is None:
        note = "In this channel a moderator approves before anything is published."
    return PrivateDraftView(
        draft_id=bundle.draft.id,
        status=status.value,
        platform=bundle.draft.platform,
        workspace=bundle.draft.workspace,
        channel=bundle.draft.channel,
        thread=bundle.draft.thread,
        requester=bundle.requester.user_id,
        text=bundle.text or (bundle.draft.error or ""),
        citations=bundle.citations,
        label=private_label(edited_by=bundle.requester.display_name if bundle.edited else None),
        mode=rule.mode,
        can_publish=can_publish,
        note=note,
        permalink=bundle.publication.permalink if bundle.publication else None,
        content_hash=bundle.revision.content_hash if bundle.revision else None,
        edited=bundle.edited,
        question=bundle.question.text,
    )
