"""The web workspace as a platform: private and public messages in its own table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.web.models import WebMessage
from bot.domain.labels import LabelledAnswer
from bot.ports import PlatformError, PrivateDraftView, PrivateRef, PublishedRef

__all__ = ["WebPlatform"]


class WebPlatform:
    """Implements the `Platform` port for the local web workspace."""

    name = "web"

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._clock = clock
        self.fail_next_publish: str | None = None  # set by tests to simulate a platform error

    async def deliver_private(self, *, user: str, view: PrivateDraftView, hint: PrivateRef | None) -> PrivateRef:
        now = self._clock()
        async with self._sessions.begin() as session:
            existing = (await session.execute(
                select(WebMessage).where(WebMessage.draft_id == view.draft_id, WebMessage.kind == "private")
            )).scalar_one_or_none()
            if existing is None:
                existing = WebMessage(channel=view.channel, author="draftgate", kind="private", visible_to=user,
                                      draft_id=view.draft_id, text=view.text, label=view.label,
                                      citations=[c.as_record() for c in view.citations], created_at=now, updated_at=now)
                session.add(existing)
            else:
                existing.text, existing.label, existing.updated_at = view.text, view.label, now
            await session.flush()
            return PrivateRef({"message_id": str(existing.id)})

    async def update_private(self, *, user: str, ref: PrivateRef, view: PrivateDraftView) -> PrivateRef:
        return await self.deliver_private(user=user, view=view, hint=ref)

    async def publish(self, *, answer: LabelledAnswer) -> PublishedRef:
        if self.fail_next_publish:
            message, self.fail_next_publish = self.fail_next_publish, None
            raise PlatformError(message)
        now = self._clock()
        try:
            async with self._sessions.begin() as session:
                message = WebMessage(channel=answer.channel, author="draftgate", kind="answer", visible_to=None,
                                     draft_id=answer.draft_id, nonce=answer.nonce, text=answer.text,
                                     label=answer.label, citations=[c.as_record() for c in answer.citations],
                                     created_at=now, updated_at=now)
                session.add(message)
                await session.flush()
                message_id = message.id
        except IntegrityError:  # the nonce was used: the message exists already
            found = await self.find_published(answer=answer)
            if found is None:
                raise PlatformError("the message could not be stored") from None
            return found
        return PublishedRef(message_id=str(message_id), permalink=f"/c/{answer.channel}#m{message_id}")

    async def find_published(self, *, answer: LabelledAnswer) -> PublishedRef | None:
        async with self._sessions() as session:
            message_id = (await session.execute(
                select(WebMessage.id).where(WebMessage.nonce == answer.nonce)
            )).scalar_one_or_none()
        if message_id is None:
            return None
        return PublishedRef(message_id=str(message_id), permalink=f"/c/{answer.channel}#m{message_id}")

    async def retract(self, *, ref: PublishedRef, channel: str, note: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(WebMessage).where(WebMessage.id == int(ref.message_id))
                .values(kind="note", text=note, label="", citations=[], updated_at=self._clock())
            )
