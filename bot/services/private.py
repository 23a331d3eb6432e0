"""The requester's private message: delivering a draft and keeping it up to date."""

from __future__ import annotations

from typing import Any

from bot.domain.rules import ChannelRule
from bot.ports import PlatformError, PrivateDraftView, PrivateRef
from bot.services.drafts_view import NO_SUCH_DRAFT, DraftBundle, build_view, load_bundle, rule_for
from bot.store.audit import PendingEvent
from bot.store.drafts import mark_shown
from bot.store.people import find_person
from bot.services.context import Actor, Core, NotFound, log

__all__ = ["deliver", "refresh_private", "remember_private_ref", "show_private"]


async def deliver(
    core: Core, *, draft_id: str, hint: PrivateRef | None, correlation: dict[str, Any] | None = None,
    view: PrivateDraftView | None = None,
) -> bool:
    """Show the draft to its requester privately (`view`, when the caller has just built it)
    and record that, with the hash of the text shown."""
    if view is None:
        async with core.uow() as uow:
            bundle = await load_bundle(uow, draft_id)
            view = build_view(bundle, await rule_for(core, uow, bundle.draft))
    platform = core.platform(view.platform)
    try:
        ref = await platform.deliver_private(user=view.requester, view=view, hint=hint)
    except PlatformError as error:
        log.warning("private delivery of draft %s failed: %s", draft_id, error)
        async with core.uow() as uow:
            uow.record(PendingEvent(actor="system", action="draft.delivery_failed", draft_id=draft_id,
                                    platform=view.platform, channel=view.channel, correlation=correlation or {},
                                    details={"error": str(error)}))
            await uow.commit()
        return False
    async with core.uow() as uow:
        if not await mark_shown(uow.session, draft_id, private_ref=dict(ref.data), shown_hash=view.content_hash):
            raise NotFound(NO_SUCH_DRAFT)
        uow.record(PendingEvent(actor="system", action="draft.shown", draft_id=draft_id, platform=view.platform,
                                channel=view.channel, correlation=correlation or {},
                                details={"content_hash": view.content_hash, "status": view.status}))
        await uow.commit()
    return True


async def refresh_private(core: Core, *, draft_id: str, note: str | None = None) -> None:
    """Replace the requester's private message with the draft's current state (best effort)."""
    async with core.uow() as uow:
        bundle = await load_bundle(uow, draft_id)
        rule = await rule_for(core, uow, bundle.draft)
    await show_private(core, bundle, rule, note=note)


async def show_private(core: Core, bundle: DraftBundle, rule: ChannelRule, *, note: str | None = None) -> None:
    """`refresh_private` for a caller that has just written (and so holds) the draft's state."""
    view = build_view(bundle, rule, note=note)
    ref = PrivateRef(dict(bundle.draft.private_ref or {}))
    try:
        await core.platform(view.platform).update_private(user=bundle.requester.user_id, ref=ref, view=view)
    except Exception as error:  # the state is stored; the message is a courtesy
        log.warning("could not update the private message of draft %s: %s", bundle.draft.id, error)


async def remember_private_ref(core: Core, *, actor: Actor, draft_id: str, data: dict[str, str]) -> None:
    """Note where the requester's private message can now be replaced (e.g. a fresh Slack
    `response_url` from their click). Ignored unless `actor` is the requester."""
    async with core.uow() as uow:
        bundle = await load_bundle(uow, draft_id)
        person = await find_person(uow.session, platform=actor.platform, workspace=actor.workspace,
                                   user_id=actor.user_id)
        if person is None or person.id != bundle.draft.requester_id:
            return
        bundle.draft.private_ref = {**(bundle.draft.private_ref or {}), **data}
        await uow.commit()
