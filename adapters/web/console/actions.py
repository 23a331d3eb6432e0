"""What a signed-in moderator or admin does, shared by the console pages and the API: the
authorisation (role, not approving or reviewing one's own answer), then one core service
called with the account as an Operator. Refusals are audited."""

from __future__ import annotations

from sqlalchemy import select

from adapters.web.console.guard import record_refusal, require_admin
from adapters.web.console.inputs import is_draft_id
from adapters.web.console.models import ConsoleIdentity
from adapters.web.console.principal import Principal
from bot.domain.text import clean_text
from bot.services import (
    BadInput,
    Core,
    Forbidden,
    NotFound,
    PublishOutcome,
    approve_draft,
    grant_role,
    mark_reviewed,
    reject_draft,
    retract_answer,
    set_rule,
)
from bot.services.drafts_view import NO_SUCH_DRAFT, load_bundle

__all__ = ["approve", "change_platform_role", "change_rule", "is_own_draft", "reject", "retract", "review"]


def _known(draft_id: str) -> str:
    if not is_draft_id(draft_id):
        raise NotFound(NO_SUCH_DRAFT)
    return draft_id


async def is_own_draft(core: Core, who: Principal, draft_id: str) -> tuple[bool, str, str]:
    """Whether the draft's requester is one of the account's linked chat identities."""
    async with core.uow() as uow:
        bundle = await load_bundle(uow, draft_id)
        requester = bundle.requester
        linked = (await uow.session.execute(select(ConsoleIdentity.id).where(
            ConsoleIdentity.account_id == who.account_id, ConsoleIdentity.platform == requester.platform,
            ConsoleIdentity.workspace == requester.workspace, ConsoleIdentity.user_id == requester.user_id,
        ))).first()
        return linked is not None, bundle.draft.platform, bundle.draft.channel


async def _not_own(core: Core, who: Principal, draft_id: str, action: str, message: str) -> None:
    own, platform, channel = await is_own_draft(core, who, draft_id)
    if own:
        await record_refusal(core, who=who, action=action, reason="the account is the requester",
                             correlation=who.correlation, draft_id=draft_id, platform=platform, channel=channel)
        raise Forbidden(message)


def _platform(value: str) -> str:
    # The core checks identifiers up to 128 characters, but a platform name is stored in 32.
    if len((value or "").strip()) > 32:
        raise BadInput("platform must be 1–32 characters without spaces")
    return value


def _text(value: str | None, *, limit: int = 1000) -> str:
    return clean_text(value or "", limit=100_000)[:limit]


async def review(core: Core, who: Principal, *, draft_id: str, note: str | None) -> str:
    draft_id = _known(draft_id)
    await _not_own(core, who, draft_id, "review", "You asked this question; another moderator must review the answer.")
    return await mark_reviewed(core, actor=who.operator, draft_id=draft_id, note=_text(note), correlation=who.correlation)


async def retract(core: Core, who: Principal, *, draft_id: str, reason: str | None) -> str:
    why = _text(reason)
    if not why:
        raise BadInput("Give a reason for retracting: the requester and the audit log will see it.")
    draft_id = _known(draft_id)
    return await retract_answer(core, actor=who.operator, draft_id=draft_id, reason=why, correlation=who.correlation)


async def approve(core: Core, who: Principal, *, draft_id: str) -> PublishOutcome:
    draft_id = _known(draft_id)
    await _not_own(core, who, draft_id, "approve", "You asked this question; another moderator must approve it.")
    return await approve_draft(core, actor=who.operator, draft_id=draft_id, correlation=who.correlation)


async def reject(core: Core, who: Principal, *, draft_id: str, reason: str | None) -> str:
    draft_id = _known(draft_id)
    return await reject_draft(core, actor=who.operator, draft_id=draft_id, reason=_text(reason), correlation=who.correlation)


async def change_rule(core: Core, who: Principal, *, platform: str, workspace: str, channel: str,
                      mode: str | None) -> str:
    await require_admin(core, who, action="rule.set", platform=(platform or "")[:32] or None,
                        channel=(channel or "")[:128] or None, details={"mode": (mode or "")[:32]})
    return await set_rule(core, by=who.operator, platform=_platform(platform), workspace=workspace, channel=channel,
                          mode=mode or None, correlation=who.correlation)


async def change_platform_role(core: Core, who: Principal, *, platform: str, workspace: str, user: str, role: str,
                               granted: bool) -> str:
    await require_admin(core, who, action="role.grant" if granted else "role.revoke",
                        platform=(platform or "")[:32] or None, details={"user": (user or "")[:128], "role": role[:32]})
    return await grant_role(core, by=who.operator, platform=_platform(platform), workspace=workspace, user=user, role=role,
                            granted=granted, correlation=who.correlation)
