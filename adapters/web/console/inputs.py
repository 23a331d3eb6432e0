"""Untrusted text from forms, query strings and JSON, made safe to compare and store: no control
or invisible format characters (PostgreSQL refuses NUL in text), bounded length."""

from __future__ import annotations

import unicodedata

__all__ = ["is_draft_id", "plain"]

_DRAFT_ID_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def plain(value: str | None, limit: int = 200) -> str:
    text = "".join(c for c in (value or "") if unicodedata.category(c) not in ("Cc", "Cf"))
    return text.strip()[:limit]


def is_draft_id(value: str | None) -> bool:
    """Draft ids are URL-safe tokens; anything else cannot name a draft (and is not sent to SQL)."""
    return bool(value) and len(value or "") <= 32 and set(value or "") <= _DRAFT_ID_CHARACTERS
