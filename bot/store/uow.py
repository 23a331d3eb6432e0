"""The unit of work: one transaction that rolls back unless committed, audit included."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.audit import LastHead, PendingEvent, append_events

__all__ = ["UnitOfWork", "UnitOfWorkFactory"]


class UnitOfWork:
    """`async with uow:` opens a transaction; `await uow.commit()` appends the audit events
    collected with `uow.record(...)` to the chain and commits both together."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime], last_head: LastHead | None = None
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._last_head = last_head
        self._events: list[PendingEvent] = []
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open")
        return self._session

    def now(self) -> datetime:
        return self._clock()

    def record(self, event: PendingEvent) -> None:
        self._events.append(event)

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._sessions()
        self._events = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        self._events = []
        await session.close()  # rolls back whatever was not committed; loaded objects stay readable

    async def commit(self) -> None:
        await self.session.flush()
        await append_events(self.session, self._events, now=self._clock(), last=self._last_head)
        self._events = []
        await self.session.commit()

    async def rollback(self) -> None:
        self._events = []
        await self.session.rollback()


UnitOfWorkFactory = Callable[[], UnitOfWork]
