"""Ports: what the core needs from the outside world. Adapters implement them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.domain.labels import Citation, LabelledAnswer
from bot.domain.rules import ChannelMode

__all__ = [
    "DraftResult",
    "Drafter",
    "EngineError",
    "Passage",
    "Platform",
    "PlatformError",
    "PrivateDraftView",
    "PrivateRef",
    "PrivateMessenger",
    "PublishedRef",
    "Publisher",
]


# --- engines ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Passage:
    """A knowledge-base chunk found for a question."""

    chunk_id: int
    title: str
    section: str
    source: str
    text: str
    score: float


@dataclass(frozen=True, slots=True)
class DraftResult:
    text: str
    citations: tuple[Citation, ...]
    engine: str
    model: str
    found_nothing: bool = False


class EngineError(Exception):
    """The engine could not draft: the draft fails privately, nothing is published."""


class Drafter(Protocol):
    name: str

    async def draft(self, *, question: str, passages: list[Passage]) -> DraftResult: ...


# --- platforms -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrivateRef:
    """Where a private draft was shown (platform-specific, stored as JSON)."""

    data: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PublishedRef:
    message_id: str
    permalink: str | None = None
    data: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PrivateDraftView:
    """What the requester sees privately. Publish is offered only when `can_publish`."""

    draft_id: str
    status: str
    platform: str
    workspace: str
    channel: str
    thread: str | None
    requester: str
    text: str
    citations: tuple[Citation, ...]
    label: str
    mode: ChannelMode
    can_publish: bool
    note: str | None = None
    permalink: str | None = None
    content_hash: str | None = None
    edited: bool = False
    question: str = ""


class PlatformError(Exception):
    """A platform call failed. `retryable` tells whether the same call may succeed later."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class PrivateMessenger(Protocol):
    async def deliver_private(self, *, user: str, view: PrivateDraftView, hint: PrivateRef | None) -> PrivateRef: ...

    async def update_private(self, *, user: str, ref: PrivateRef, view: PrivateDraftView) -> PrivateRef: ...


class Publisher(Protocol):
    async def publish(self, *, answer: LabelledAnswer) -> PublishedRef: ...

    async def find_published(self, *, answer: LabelledAnswer) -> PublishedRef | None: ...

    async def retract(self, *, ref: PublishedRef, channel: str, note: str) -> None: ...


class Platform(PrivateMessenger, Publisher, Protocol):
    """A chat platform adapter: private delivery plus the publisher."""

    name: str
