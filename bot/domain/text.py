"""Untrusted text: questions, knowledge-base passages and model output are data, never commands."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "FoundSecret",
    "TextTooLong",
    "clean_text",
    "content_hash",
    "find_secrets",
    "redact_secrets",
]


class TextTooLong(ValueError):
    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"the text is {length} characters long; the limit is {limit}")
        self.length = length
        self.limit = limit


_CONTROL = {"Cc", "Cf"}
_KEEP = {"\n", "\t"}


def clean_text(text: str, *, limit: int) -> str:
    """Normalise untrusted text: NFC, no control or invisible format characters, bounded size."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c for c in text if c in _KEEP or unicodedata.category(c) not in _CONTROL)
    text = text.strip()
    if len(text) > limit:
        raise TextTooLong(len(text), limit)
    return text


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("private-key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)")),
    ("aws-access-key-id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("slack-token", re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{10,}\b")),
    ("slack-webhook", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+")),
    ("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})\b")),
    ("openai-key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}\b")),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b")),
    ("password-assignment", re.compile(r"(?i)\b(?:password|passwd|pwd|secret|api[_-]?key)\s*[:=]\s*\S{6,}")),
)


@dataclass(frozen=True, slots=True)
class FoundSecret:
    """A secret seen in text, kept only as its kind and a hash of its value."""

    kind: str
    sha256: str

    def as_record(self) -> dict[str, str]:
        return {"kind": self.kind, "sha256": self.sha256}


def find_secrets(text: str) -> list[FoundSecret]:
    found: list[FoundSecret] = []
    for kind, pattern in _SECRET_PATTERNS:
        for match in pattern.finditer(text):
            found.append(FoundSecret(kind, content_hash(match.group(0))))
    return found


def redact_secrets(text: str) -> tuple[str, list[FoundSecret]]:
    """Replace every secret with `[redacted KIND]`; return the new text and what was found."""
    found = find_secrets(text)
    for kind, pattern in _SECRET_PATTERNS:
        text = pattern.sub(f"[redacted {kind}]", text)
    return text, found
