"""Labels: every private draft and every published answer says it is AI-generated."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.text import content_hash

__all__ = [
    "Citation",
    "LabelledAnswer",
    "NotConfirmed",
    "PRIVATE_LABEL",
    "published_label",
]

PRIVATE_LABEL = "AI-generated draft · may be wrong · only visible to you"
_EDITED = " · edited by {who}"


def private_label(*, edited_by: str | None) -> str:
    return PRIVATE_LABEL + (_EDITED.format(who=edited_by) if edited_by else "")


def published_label(*, confirmed_by: str, edited: bool = False, approved_by: str | None = None) -> str:
    label = f"AI-generated answer · confirmed by {confirmed_by}"
    if edited:
        label += f" · edited by {confirmed_by}"
    if approved_by:
        label += f" · approved by {approved_by}"
    return label + " · may be inaccurate"


@dataclass(frozen=True, slots=True)
class Citation:
    number: int
    title: str
    section: str
    source: str

    def as_record(self) -> dict[str, object]:
        return {"number": self.number, "title": self.title, "section": self.section, "source": self.source}

    @classmethod
    def from_record(cls, record: dict[str, object]) -> Citation:
        return cls(int(record["number"]), str(record["title"]), str(record["section"]), str(record["source"]))  # type: ignore[call-overload]

    def describe(self) -> str:
        return f"[{self.number}] {self.title}" + (f" — {self.section}" if self.section else "")


class NotConfirmed(Exception):
    """A publisher was asked to post something that is not a confirmed, labelled draft."""


_FACTORY_KEY = object()


@dataclass(frozen=True, slots=True)
class LabelledAnswer:
    """The only thing a publisher port accepts. Build it with `LabelledAnswer.from_confirmed`."""

    draft_id: str
    platform: str
    workspace: str
    channel: str
    thread: str | None
    text: str
    citations: tuple[Citation, ...]
    label: str
    confirmed_by: str
    content_hash: str
    nonce: str
    _key: object = field(repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        if self._key is not _FACTORY_KEY:
            raise NotConfirmed("a LabelledAnswer can only be built from a confirmed draft")
        if not self.label or "AI-generated" not in self.label:
            raise NotConfirmed("a published answer must carry the AI-generated label")
        if content_hash(self.text) != self.content_hash:
            raise NotConfirmed("the text differs from the text the requester confirmed")

    @classmethod
    def from_confirmed(
        cls,
        *,
        draft_id: str,
        status: str,
        platform: str,
        workspace: str,
        channel: str,
        thread: str | None,
        text: str,
        citations: tuple[Citation, ...],
        confirmed_by: str | None,
        confirmed_hash: str | None,
        edited: bool,
        approved_by: str | None,
        nonce: str,
    ) -> LabelledAnswer:
        if status != "publishing" or not confirmed_by or not confirmed_hash:
            raise NotConfirmed(f"draft {draft_id} is {status}, not claimed for publishing")
        return cls(
            draft_id=draft_id,
            platform=platform,
            workspace=workspace,
            channel=channel,
            thread=thread,
            text=text,
            citations=citations,
            label=published_label(confirmed_by=confirmed_by, edited=edited, approved_by=approved_by),
            confirmed_by=confirmed_by,
            content_hash=confirmed_hash,
            nonce=nonce,
            _key=_FACTORY_KEY,
        )
