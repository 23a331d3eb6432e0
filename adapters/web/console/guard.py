"""Refusals: every refused console or API request is audited (who, what, why) and changes nothing."""

from __future__ import annotations

from typing import Any

from adapters.web.console.inputs import is_draft_id, plain
from adapters.web.console.principal import ANONYMOUS, Principal
from bot.services import Core, Forbidden
from bot.store.audit import PendingEvent

__all__ = ["record_refusal", "require_admin"]


async def record_refusal(core: Core, *, who: Principal | None, action: str, reason: str,
                         correlation: dict[str, Any], draft_id: str | None = None, platform: str | None = None,
                         channel: str | None = None, details: dict[str, Any] | None = None) -> None:
    async with core.uow() as uow:
        uow.record(PendingEvent(actor=who.label if who else ANONYMOUS, action=f"{plain(action, 50)}.refused",
                                draft_id=draft_id if is_draft_id(draft_id) else None,
                                platform=plain(platform, 32) or None, channel=plain(channel, 128) or None,
                                correlation=correlation,
                                details={"reason": reason, **{k: plain(v) if isinstance(v, str) else v
                                                              for k, v in (details or {}).items()}}))
        await uow.commit()


async def require_admin(core: Core, who: Principal, *, action: str, **where: Any) -> None:
    """Raise Forbidden (audited) unless `who` is an admin."""
    if who.is_admin:
        return
    await record_refusal(core, who=who, action=action, reason="not an admin", correlation=who.correlation, **where)
    raise Forbidden("Only an admin can do that. Nothing was changed.")
