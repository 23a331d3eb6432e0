"""Channel rules as stored: versioned, with a history row per change."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.rules import ChannelMode, ChannelRule
from bot.store.models import ChannelRuleHistory, ChannelRuleRow

__all__ = ["list_rules", "read_rule", "write_rule"]


@cache
def _row_statement() -> Select[tuple[ChannelRuleRow]]:
    """Built once: the rule is read on every question and every publish."""
    return select(ChannelRuleRow).where(
        ChannelRuleRow.platform == bindparam("platform"),
        ChannelRuleRow.workspace == bindparam("workspace"),
        ChannelRuleRow.channel == bindparam("channel"),
    )


async def _row(session: AsyncSession, platform: str, workspace: str, channel: str) -> ChannelRuleRow | None:
    where = {"platform": platform, "workspace": workspace, "channel": channel}
    return (await session.execute(_row_statement(), where)).scalar_one_or_none()


async def read_rule(
    session: AsyncSession,
    *,
    platform: str,
    workspace: str,
    channel: str,
    default: ChannelMode,
    shared_default: ChannelMode,
    kind: str = "channel",
) -> ChannelRule:
    """The rule in force now. A direct message is always private (there is nothing to publish
    to); otherwise a rule set for the channel wins, then the defaults."""
    if kind == "direct":
        return ChannelRule(platform, workspace, channel, ChannelMode.PRIVATE_ONLY, 0, "direct")
    row = await _row(session, platform, workspace, channel)
    if row is not None and row.mode != "":
        return ChannelRule(platform, workspace, channel, ChannelMode(row.mode), row.version, "rule")
    version = row.version if row is not None else 0
    if kind == "shared":
        return ChannelRule(platform, workspace, channel, shared_default, version, "shared-default")
    return ChannelRule(platform, workspace, channel, default, version, "default")


async def write_rule(
    session: AsyncSession,
    *,
    platform: str,
    workspace: str,
    channel: str,
    mode: ChannelMode | None,
    by: str,
    now: datetime,
) -> tuple[str | None, str | None, int]:
    """Set (or with mode None, unset) a rule; returns (before, after, new version)."""
    row = await _row(session, platform, workspace, channel)
    before = (row.mode or None) if row is not None else None
    after = mode.value if mode is not None else None
    if row is None:
        row = ChannelRuleRow(platform=platform, workspace=workspace, channel=channel,
                             mode=after or "", version=1, updated_by=by, updated_at=now)
        session.add(row)
    else:
        row.mode, row.version, row.updated_by, row.updated_at = after or "", row.version + 1, by, now
    await session.flush()
    session.add(ChannelRuleHistory(platform=platform, workspace=workspace, channel=channel,
                                   version=row.version, mode_before=before, mode_after=after,
                                   changed_by=by, changed_at=now))
    return before, after, row.version


async def list_rules(session: AsyncSession, *, platform: str | None = None) -> list[ChannelRuleRow]:
    query = select(ChannelRuleRow).where(ChannelRuleRow.mode != "")
    if platform:
        query = query.where(ChannelRuleRow.platform == platform)
    return list((await session.execute(query.order_by(ChannelRuleRow.platform, ChannelRuleRow.workspace,
                                                      ChannelRuleRow.channel))).scalars())
