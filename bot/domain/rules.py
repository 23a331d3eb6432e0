"""Channel rules: where the bot may answer and how a draft may reach the channel."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["ChannelMode", "ChannelRule", "RuleDecision", "decide"]


class ChannelMode(str, enum.Enum):
    OFF = "off"
    PRIVATE_ONLY = "private-only"
    CONFIRM = "confirm"
    MODERATED = "moderated"

    @property
    def offers_publish(self) -> bool:
        return self in (ChannelMode.CONFIRM, ChannelMode.MODERATED)

    @property
    def answers(self) -> bool:
        return self is not ChannelMode.OFF


@dataclass(frozen=True, slots=True)
class ChannelRule:
    """The rule in force for one channel; `version` 0 means the configured default."""

    platform: str
    workspace: str
    channel: str
    mode: ChannelMode
    version: int
    source: str  # "rule", "default", "shared-default" or "direct"


class RuleDecision(str, enum.Enum):
    PUBLISH = "publish"
    NEEDS_APPROVAL = "needs-approval"
    DENY = "deny"


def decide(rule: ChannelRule, *, approved: bool) -> RuleDecision:
    """What the rule read at publish time allows for a requester's Publish click."""
    if rule.mode is ChannelMode.CONFIRM:
        return RuleDecision.PUBLISH
    if rule.mode is ChannelMode.MODERATED:
        return RuleDecision.PUBLISH if approved else RuleDecision.NEEDS_APPROVAL
    return RuleDecision.DENY
