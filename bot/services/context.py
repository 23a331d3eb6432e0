"""What every service needs: the core's dependencies, who is acting, and the errors it raises."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.config import Settings
from bot.ports import Drafter, Platform
from bot.store.uow import UnitOfWorkFactory

__all__ = [
    "Actor",
    "BadInput",
    "Core",
    "DraftgateError",
    "Forbidden",
    "NotFound",
    "Operator",
    "Refused",
    "Where",
]

log = logging.getLogger("draftgate")


@dataclass(frozen=True, slots=True)
class Actor:
    """A person on a platform, as the platform identified them (never as a button claimed)."""

    platform: str
    workspace: str
    user_id: str
    display_name: str | None = None

    @property
    def label(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.user_id}" if self.workspace else f"{self.platform}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class Operator:
    """A trusted local operator (the CLI user, the system itself); may change rules and roles."""

    name: str
    display_name: str | None = None

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Where:
    """Where a question was asked."""

    platform: str
    workspace: str
    channel: str
    thread: str | None = None
    externally_shared: bool = False
    is_direct: bool = False

    @property
    def kind(self) -> str:
        return "direct" if self.is_direct else "shared" if self.externally_shared else "channel"


@dataclass(slots=True)
class Core:
    uow: UnitOfWorkFactory
    drafter: Drafter
    settings: Settings
    clock: Callable[[], datetime]
    question_slots: asyncio.Semaphore
    """How many questions are in a database step at once; the rest wait their turn (FIFO), so
    that under load the event loop stays free to acknowledge requests within milliseconds."""
    platforms: dict[str, Platform] = field(default_factory=dict)

    def platform(self, name: str) -> Platform:
        try:
            return self.platforms[name]
        except KeyError:
            raise Refused(f"the {name} platform is not connected to this server") from None


class DraftgateError(Exception):
    """An error with a message meant for the person who caused it."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(DraftgateError):
    code = "bad_input"


class NotFound(DraftgateError):
    code = "not_found"


class Forbidden(DraftgateError):
    code = "forbidden"


class Refused(DraftgateError):
    """The request is understood and allowed in principle, but not now (state, rule, expiry)."""

    code = "refused"
