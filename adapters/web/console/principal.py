"""Who is using the console or the API: a signed-in account, as the core sees it (an Operator)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.services import Operator

__all__ = ["ANONYMOUS", "ROLES", "Principal"]

ROLES = ("admin", "moderator")
ANONYMOUS = "console:anonymous"


@dataclass(frozen=True, slots=True)
class Principal:
    account_id: int
    username: str
    display_name: str
    role: str
    via: str  # "console" (a browser session) or "api" (a personal API token)
    csrf: str = ""
    session_id: str | None = None
    token_id: int | None = None
    correlation: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"console:{self.username}"

    @property
    def operator(self) -> Operator:
        """How the core sees this account: a trusted caller that authorised its user."""
        return Operator(self.label, self.display_name)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"
