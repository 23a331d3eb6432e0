"""The knowledge-base index: Markdown split into sections, searched with the database's
full-text search (SQLite FTS5, PostgreSQL tsvector)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ports import Passage
from bot.store.models import KbChunk, KbDocument

__all__ = ["ParsedDocument", "parse_markdown", "query_terms", "search", "store_document"]

MAX_CHUNK_CHARS = 900

_STOPWORDS = frozenset(
    """a about above after again all also am an and any are as at be because been before being
    below between both but by can could did do does doing done down during each few for from
    further get got had has have having he her here hers him his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours out
    over own please same she should so some such than that the their them then there these they
    this those through to too under until up us very was we were what when where which while who
    whom why will with would you your yours yourself tell know need want thanks hi hello hey""".split()
)


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    title: str
    sections: list[tuple[str, str]]  # (section heading, chunk text)


def parse_markdown(source_name: str, body: str) -> ParsedDocument:
    """Split Markdown into (section, text) chunks under `## ` headings, each at most ~900 chars."""
    title = ""
    section = ""
    chunks: list[tuple[str, str]] = []
    paragraph_buffer: list[str] = []

    def flush() -> None:
        block = "\n".join(paragraph_buffer).strip()
        paragraph_buffer.clear()
        if not block:
            return
        for piece in _split(block):
            chunks.append((section, piece))

    for line in body.splitlines():
        heading = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if heading:
            flush()
            level, name = len(heading.group(1)), heading.group(2).strip()
            if level == 1 and not title:
                title = name
            else:
                section = name
            continue
        paragraph_buffer.append(line)
    flush()
    if not title:
        title = re.sub(r"[-_]+", " ", source_name.rsplit("/", 1)[-1].rsplit(".", 1)[0]).strip().capitalize()
    return ParsedDocument(title=title, sections=chunks)


def _split(block: str) -> list[str]:
    if len(block) <= MAX_CHUNK_CHARS:
        return [block]
    pieces, current = [], ""
    for paragraph in re.split(r"\n\s*\n", block):
        if current and len(current) + len(paragraph) + 2 > MAX_CHUNK_CHARS:
            pieces.append(current)
            current = ""
        current = f"{current}\n\n{paragraph}".strip() if current else paragraph
        while len(current) > MAX_CHUNK_CHARS:
            cut = current.rfind(" ", 0, MAX_CHUNK_CHARS)
            cut = cut if cut > 0 else MAX_CHUNK_CHARS
            pieces.append(current[:cut].strip())
            current = current[cut:].strip()
    if current:
        pieces.append(current)
    return pieces


async def store_document(
    session: AsyncSession, *, source: str, body: str, added_by: str, now: datetime
) -> tuple[KbDocument, str]:
    """Add or replace a document; returns it and "added", "updated" or "unchanged"."""
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    existing = (await session.execute(select(KbDocument).where(KbDocument.source == source))).scalar_one_or_none()
    if existing is not None and existing.sha256 == digest:
        return existing, "unchanged"
    parsed = parse_markdown(source, body)
    if existing is None:
        document = KbDocument(source=source, title=parsed.title, sha256=digest, chunks=0,
                              added_by=added_by, added_at=now)
        session.add(document)
        outcome = "added"
    else:
        document = existing
        await session.execute(delete(KbChunk).where(KbChunk.document_id == document.id))
        document.title, document.sha256, document.added_by, document.added_at = parsed.title, digest, added_by, now
        outcome = "updated"
    await session.flush()
    for ordinal, (section, chunk) in enumerate(parsed.sections):
        session.add(KbChunk(document_id=document.id, ordinal=ordinal, section=section, text=chunk))
    document.chunks = len(parsed.sections)
    await session.flush()
    return document, outcome


def query_terms(question: str, *, limit: int = 12) -> list[str]:
    """Plain alphanumeric search terms: nothing from the question reaches the query syntax."""
    seen: list[str] = []
    for word in re.findall(r"[a-z0-9]+", question.lower()):
        if len(word) < 2 or word in _STOPWORDS or word in seen:
            continue
        seen.append(word)
    return seen[:limit]


_SQLITE_SEARCH = text(
    """
    SELECT c.id, d.title, c.section, d.source, c.text, bm25(kb_chunks_fts, 2.0, 1.0) AS score
    FROM kb_chunks_fts JOIN kb_chunks c ON c.id = kb_chunks_fts.rowid
    JOIN kb_documents d ON d.id = c.document_id
    WHERE kb_chunks_fts MATCH :query
    ORDER BY score LIMIT :limit
    """
)

# Ranking reads every candidate's tsvector, so it is bounded: passages matching all the terms
# first, then any term, at most CANDIDATES of each.
_POSTGRES_SEARCH = text(
    """
    WITH q AS (SELECT to_tsquery('english', :all_terms) AS q_all, to_tsquery('english', :query) AS q_any),
    hits AS (
        (SELECT c.id, 2.0 AS boost FROM kb_chunks c, q WHERE c.search_vector @@ q.q_all LIMIT :candidates)
        UNION ALL
        (SELECT c.id, 1.0 AS boost FROM kb_chunks c, q WHERE c.search_vector @@ q.q_any LIMIT :candidates)
    ),
    best AS (SELECT id, max(boost) AS boost FROM hits GROUP BY id)
    SELECT c.id, d.title, c.section, d.source, c.text,
           -(best.boost * ts_rank(c.search_vector, q.q_any)) AS score
    FROM best JOIN kb_chunks c ON c.id = best.id JOIN kb_documents d ON d.id = c.document_id, q
    ORDER BY score LIMIT :limit
    """
)
CANDIDATES = 500


def _stem(word: str) -> str:
    return word[:5] if len(word) > 5 else word


def _coverage(terms: list[str], passage_text: str) -> int:
    body = passage_text.lower()
    return sum(1 for term in terms if _stem(term) in body)


async def search(session: AsyncSession, question: str, *, limit: int = 4) -> list[Passage]:
    """Passages that match the question well enough; an empty list means nothing was found."""
    terms = query_terms(question)
    if not terms:
        return []
    if session.bind.dialect.name == "sqlite":
        params = {"query": " OR ".join(f'"{term}"' for term in terms)}
        statement = _SQLITE_SEARCH
    else:
        params = {"query": " | ".join(terms), "all_terms": " & ".join(terms), "candidates": CANDIDATES}
        statement = _POSTGRES_SEARCH
    rows = (await session.execute(statement, {**params, "limit": limit * 4})).all()
    needed = 1 if len(terms) <= 3 else -(-len(terms) // 3)
    passages = []
    for row in rows:
        if _coverage(terms, f"{row.title} {row.section} {row.text}") < needed:
            continue
        passages.append(Passage(chunk_id=row.id, title=row.title, section=row.section,
                                source=row.source, text=row.text, score=-float(row.score)))
        if len(passages) == limit:
            break
    return passages


async def count_chunks(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(KbChunk))).scalar_one())
