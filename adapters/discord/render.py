"""Discord rendering: untrusted text made inert, labels in embed footers, the 2,000-character limit."""

from __future__ import annotations

import re

import discord

from bot.domain.labels import Citation, LabelledAnswer
from bot.ports import PrivateDraftView

__all__ = ["CONTENT_LIMIT", "PREVIEW_LIMIT", "answer_messages", "draft_embed", "inert", "split"]

CONTENT_LIMIT = 2000
PREVIEW_LIMIT = 3900  # an embed holds 4,096 characters; longer drafts are attached in full
ZWSP = "\u200b"
_BROADCAST = re.compile(r"@(everyone|here)", re.IGNORECASE)
_MENTION = re.compile(r"<(@[!&]?|#)(\d+)>")
_URL = re.compile(r"(?<![<\w])(https?://[^\s<>]+)")


def inert(text: str) -> str:
    """No @everyone/@here, no user/role/channel mentions, no link previews: in the text itself
    (allowed_mentions=none is also set on every send)."""
    text = _BROADCAST.sub(lambda m: f"@{ZWSP}{m.group(1)}", text)
    text = _MENTION.sub(lambda m: f"<{ZWSP}{m.group(1)}{m.group(2)}>", text)
    return _URL.sub(r"<\1>", text)


def split(text: str, limit: int = CONTENT_LIMIT) -> list[str]:
    """Split at paragraph, line or word boundaries; never drop text."""
    parts, rest = [], text
    while len(rest) > limit:
        cut = max(rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest)
    return [p for p in parts if p] or [""]


def _sources(citations: tuple[Citation, ...]) -> str:
    return inert("\n".join(c.describe() for c in citations))[:1024]


def draft_embed(view: PrivateDraftView) -> discord.Embed:
    text = inert(view.text)
    if len(view.text) > PREVIEW_LIMIT:
        text = text[:PREVIEW_LIMIT] + "\n\n… the full draft is attached as draft.txt; read it before you publish."
    embed = discord.Embed(description=text or "…", colour=discord.Colour.blurple())
    if view.question:
        embed.title = inert(f"You asked: {view.question}")[:250]
    if view.citations:
        embed.add_field(name="Sources", value=_sources(view.citations), inline=False)
    if view.note:
        embed.add_field(name="Status", value=inert(view.note)[:1024], inline=False)
    if view.permalink:
        embed.add_field(name="Published", value=view.permalink, inline=False)
    embed.set_footer(text=view.label)
    return embed


def answer_messages(answer: LabelledAnswer) -> list[tuple[str, discord.Embed]]:
    """(content, embed) per message; every part carries the label and the draft reference."""
    parts = split(inert(answer.text))
    messages = []
    for number, part in enumerate(parts, start=1):
        embed = discord.Embed(colour=discord.Colour.dark_grey())
        if number == len(parts) and answer.citations:
            embed.add_field(name="Sources", value=_sources(answer.citations), inline=False)
        suffix = f" · part {number}/{len(parts)}" if len(parts) > 1 else ""
        embed.set_footer(text=f"{answer.label}{suffix} · ref {answer.draft_id}")
        messages.append((part, embed))
    return messages
