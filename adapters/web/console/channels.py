"""Every channel the bot has seen (asked in, drafted for, or given a rule), the rule in force
there, and each rule's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, union

from adapters.web.console.inputs import plain
from bot.domain.rules import ChannelMode, ChannelRule
from bot.services import Core
from bot.store.models import ChannelRuleHistory, ChannelRuleRow, DraftRow, Question
from bot.store.rules import read_rule

__all__ = ["ChannelEntry", "MODES", "rule_history", "seen_channels"]

MODES = tuple(m.value for m in ChannelMode)
_KIND_ORDER = {"direct": 2, "shared": 1, "channel": 0}


@dataclass(frozen=True, slots=True)
class ChannelEntry:
    platform: str
    workspace: str
    channel: str
    kind: str
    rule: ChannelRule
    questions: int
    changed_by: str | None
    changed_at: datetime | None

    @property
    def where(self) -> str:
        return f"{self.platform}:{self.workspace + '/' if self.workspace else ''}{self.channel}"

    def as_json(self) -> dict[str, object]:
        return {"platform": self.platform, "workspace": self.workspace, "channel": self.channel, "kind": self.kind,
                "mode": self.rule.mode.value, "source": self.rule.source, "version": self.rule.version,
                "questions": self.questions, "changed_by": self.changed_by,
                "changed_at": self.changed_at.isoformat() if self.changed_at else None}


async def seen_channels(core: Core, *, platform: str | None = None) -> list[ChannelEntry]:
    keys = union(
        select(Question.platform, Question.workspace, Question.channel),
        select(DraftRow.platform, DraftRow.workspace, DraftRow.channel),
        select(ChannelRuleRow.platform, ChannelRuleRow.workspace, ChannelRuleRow.channel),
        select(ChannelRuleHistory.platform, ChannelRuleHistory.workspace, ChannelRuleHistory.channel),
    )
    settings = core.settings
    platform = plain(platform, 32) or None
    async with core.uow() as uow:
        session = uow.session
        places = sorted({(p, w or "", c) for p, w, c in (await session.execute(select(keys.subquery()))).all()})
        kinds: dict[tuple[str, str, str], str] = {}
        for p, w, c, kind in (await session.execute(
                select(DraftRow.platform, DraftRow.workspace, DraftRow.channel, DraftRow.channel_kind).distinct())).all():
            key = (p, w or "", c)
            if _KIND_ORDER.get(kind, 0) >= _KIND_ORDER.get(kinds.get(key, "channel"), 0):
                kinds[key] = kind
        counts = {(p, w or "", c): n for p, w, c, n in (await session.execute(
            select(Question.platform, Question.workspace, Question.channel, func.count())
            .group_by(Question.platform, Question.workspace, Question.channel))).all()}
        rows = {(r.platform, r.workspace, r.channel): r for r in (await session.execute(select(ChannelRuleRow))).scalars()}
        entries = []
        for key in places:
            if platform and key[0] != platform:
                continue
            kind = kinds.get(key, "channel")
            rule = await read_rule(session, platform=key[0], workspace=key[1], channel=key[2],
                                   default=settings.default_mode, shared_default=settings.shared_channel_mode, kind=kind)
            row = rows.get(key)
            entries.append(ChannelEntry(key[0], key[1], key[2], kind, rule, counts.get(key, 0),
                                        row.updated_by if row else None, row.updated_at if row else None))
        return entries


async def rule_history(core: Core, *, platform: str, workspace: str, channel: str) -> list[ChannelRuleHistory]:
    platform, workspace, channel = plain(platform, 32), plain(workspace, 128), plain(channel, 128)
    async with core.uow() as uow:
        return list((await uow.session.execute(
            select(ChannelRuleHistory).where(ChannelRuleHistory.platform == platform,
                                             ChannelRuleHistory.workspace == workspace,
                                             ChannelRuleHistory.channel == channel)
            .order_by(ChannelRuleHistory.version.desc()))).scalars())
