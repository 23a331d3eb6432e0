"""Fakes that subclass nothing but honour the ports: a clock and an in-memory platform."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.domain.labels import LabelledAnswer
from bot.ports import DraftResult, Passage, PlatformError, PrivateDraftView, PrivateRef, PublishedRef


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)  # strictly increasing, like a real clock
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Posted:
    answer: LabelledAnswer
    message_id: str
    retracted: bool = False


@dataclass
class FakePlatform:
    """An in-memory chat platform. `fail_publish` makes the next publishes fail; `lose_response`
    posts but raises as if the response was lost."""

    name: str = "test"
    private: dict[str, list[PrivateDraftView]] = field(default_factory=dict)
    posts: list[Posted] = field(default_factory=list)
    fail_publish: int = 0
    lose_response: int = 0
    publish_delay: float = 0.0
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def deliver_private(self, *, user: str, view: PrivateDraftView, hint: PrivateRef | None) -> PrivateRef:
        self.private.setdefault(view.draft_id, []).append(view)
        return PrivateRef({"user": user, "draft": view.draft_id})

    async def update_private(self, *, user: str, ref: PrivateRef, view: PrivateDraftView) -> PrivateRef:
        return await self.deliver_private(user=user, view=view, hint=ref)

    async def publish(self, *, answer: LabelledAnswer) -> PublishedRef:
        if self.publish_delay:
            await asyncio.sleep(self.publish_delay)
        if self.fail_publish:
            self.fail_publish -= 1
            raise PlatformError("HTTP 500 from the platform")
        posted = Posted(answer, f"m{next(self._ids)}")
        self.posts.append(posted)
        if self.lose_response:
            self.lose_response -= 1
            raise PlatformError("the response was lost")
        return PublishedRef(message_id=posted.message_id, permalink=f"https://chat.example/{posted.message_id}")

    async def find_published(self, *, answer: LabelledAnswer) -> PublishedRef | None:
        for posted in self.posts:
            if posted.answer.nonce == answer.nonce:
                return PublishedRef(message_id=posted.message_id, permalink=f"https://chat.example/{posted.message_id}")
        return None

    async def retract(self, *, ref: PublishedRef, channel: str, note: str) -> None:
        for posted in self.posts:
            if posted.message_id == ref.message_id:
                posted.retracted = True

    def live_posts(self, draft_id: str) -> list[Posted]:
        return [p for p in self.posts if p.answer.draft_id == draft_id and not p.retracted]


class ScriptedDrafter:
    """A drafter that returns a fixed text, or raises what it is given."""

    name = "scripted"

    def __init__(self, text: str = "Rotate your key with `keytool rotate`. [1]", error: Exception | None = None) -> None:
        self.text = text
        self.error = error
        self.questions: list[str] = []

    async def draft(self, *, question: str, passages: list[Passage]) -> DraftResult:
        self.questions.append(question)
        if self.error is not None:
            raise self.error
        return DraftResult(text=self.text, citations=(), engine=self.name, model="scripted-1")
