"""The web workspace's fixed cast: sample people and channels, seeded once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.domain.rules import ChannelMode
from bot.services import Core, Operator, grant_role, set_rule
from bot.store.models import ChannelRuleRow
from bot.store.people import ensure_person, find_person

__all__ = ["CHANNELS", "PEOPLE", "PLATFORM", "WORKSPACE", "Channel", "SamplePerson", "seed"]

PLATFORM = "web"
WORKSPACE = ""  # one workspace: `--platform web --channel general` in the CLI
SEEDER = Operator("system:web-seed")


@dataclass(frozen=True, slots=True)
class SamplePerson:
    user_id: str
    name: str
    role: str | None
    blurb: str


@dataclass(frozen=True, slots=True)
class Channel:
    name: str
    topic: str
    mode: ChannelMode


PEOPLE = (
    SamplePerson("alice", "Alice Ng", None, "engineer"),
    SamplePerson("bob", "Bob Okafor", None, "engineer"),
    SamplePerson("carol", "Carol Diaz", "moderator", "security moderator"),
    SamplePerson("dave", "Dave Kim", "admin", "IT admin"),
)

CHANNELS = (
    Channel("general", "Company-wide questions", ChannelMode.CONFIRM),
    Channel("it-help", "Laptops, VPN, access", ChannelMode.CONFIRM),
    Channel("security", "Security questions: a moderator approves each answer", ChannelMode.MODERATED),
    Channel("announcements", "Read-only: answers stay private", ChannelMode.PRIVATE_ONLY),
    Channel("random", "The bot is off here", ChannelMode.OFF),
)


def person(user_id: str | None) -> SamplePerson | None:
    return next((p for p in PEOPLE if p.user_id == user_id), None)


def channel(name: str) -> Channel | None:
    return next((c for c in CHANNELS if c.name == name), None)


async def seed(core: Core) -> None:
    """On first start: the sample people, their roles and the channel rules. Later starts add
    only what is missing, and never give back a role an admin revoked."""
    async with core.uow() as uow:
        known = set((await uow.session.execute(
            select(ChannelRuleRow.channel).where(ChannelRuleRow.platform == PLATFORM, ChannelRuleRow.workspace == WORKSPACE)
        )).scalars())
        new_people = []
        for sample in PEOPLE:
            if await find_person(uow.session, platform=PLATFORM, workspace=WORKSPACE, user_id=sample.user_id) is None:
                new_people.append(sample)
            await ensure_person(uow.session, platform=PLATFORM, workspace=WORKSPACE, user_id=sample.user_id,
                                display_name=sample.name, now=uow.now())
        await uow.commit()
    for sample in new_people:
        if sample.role:
            await grant_role(core, by=SEEDER, platform=PLATFORM, workspace=WORKSPACE, user=sample.user_id,
                             role=sample.role, granted=True)
    for room in CHANNELS:
        if room.name not in known:
            await set_rule(core, by=SEEDER, platform=PLATFORM, workspace=WORKSPACE, channel=room.name, mode=room.mode)
