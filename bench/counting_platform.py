"""A platform for benchmarks: posts are counted in memory; a fixed small delay stands for the network."""

from __future__ import annotations

import asyncio
import itertools

from bot.domain.labels import LabelledAnswer
from bot.ports import PrivateDraftView, PrivateRef, PublishedRef

__all__ = ["CountingPlatform", "fake_post"]

POST_DELAY = 0.001


async def fake_post() -> None:
    await asyncio.sleep(POST_DELAY)


class CountingPlatform:
    name = "bench"

    def __init__(self) -> None:
        self.posts: dict[str, int] = {}
        self._ids = itertools.count(1)

    async def deliver_private(self, *, user: str, view: PrivateDraftView, hint: PrivateRef | None) -> PrivateRef:
        return PrivateRef({})

    async def update_private(self, *, user: str, ref: PrivateRef, view: PrivateDraftView) -> PrivateRef:
        return ref

    async def publish(self, *, answer: LabelledAnswer) -> PublishedRef:
        await fake_post()
        self.posts[answer.draft_id] = self.posts.get(answer.draft_id, 0) + 1
        return PublishedRef(message_id=str(next(self._ids)))

    async def find_published(self, *, answer: LabelledAnswer) -> PublishedRef | None:
        return None

    async def retract(self, *, ref: PublishedRef, channel: str, note: str) -> None:
        return None
