"""SQLAlchemy models: the tables of draftgate's store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.store.types import UtcDateTime

__all__ = [
    "AuditEvent",
    "AuditHead",
    "Base",
    "ChannelRuleRow",
    "ChannelRuleHistory",
    "DraftRevision",
    "DraftRow",
    "KbChunk",
    "KbDocument",
    "Person",
    "Publication",
    "Question",
    "RoleGrant",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Stamp = UtcDateTime()
# BIGINT on PostgreSQL, INTEGER on SQLite (so that SQLite keeps rowid aliasing).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Person(Base):
    """Somebody on a platform, as (platform, workspace, user id)."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("platform", "workspace", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(128), default="")
    user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Stamp)


class RoleGrant(Base):
    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("person_id", "role"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))
    granted_by: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[datetime] = mapped_column(Stamp)


class Question(Base):
    """One question as asked; a redelivered platform event hits the unique constraint."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("platform", "platform_event_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    platform_event_id: Mapped[str] = mapped_column(String(200))
    workspace: Mapped[str] = mapped_column(String(128), default="")
    channel: Mapped[str] = mapped_column(String(128))
    thread: Mapped[str | None] = mapped_column(String(200))
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)
    origin: Mapped[dict[str, Any]] = mapped_column(default=dict)
    secrets: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(Stamp)


class DraftRow(Base):
    """A draft. Its status changes only through `bot.store.drafts.transition`."""

    __tablename__ = "drafts"
    __table_args__ = (
        Index("ix_drafts_requester_status", "requester_id", "status"),
        Index("ix_drafts_status_expires", "status", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), unique=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(128), default="")
    channel: Mapped[str] = mapped_column(String(128))
    thread: Mapped[str | None] = mapped_column(String(200))
    channel_kind: Mapped[str] = mapped_column(String(16), default="channel")  # channel, shared, direct
    status: Mapped[str] = mapped_column(String(32))
    engine: Mapped[str] = mapped_column(String(64), default="")
    model: Mapped[str] = mapped_column(String(200), default="")
    revision: Mapped[int] = mapped_column(Integer, default=0)
    shown_hash: Mapped[str | None] = mapped_column(String(64))
    confirmed_hash: Mapped[str | None] = mapped_column(String(64))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(Stamp)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    approved_at: Mapped[datetime | None] = mapped_column(Stamp)
    claimed_at: Mapped[datetime | None] = mapped_column(Stamp)
    expires_at: Mapped[datetime] = mapped_column(Stamp)
    error: Mapped[str | None] = mapped_column(Text)
    private_ref: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(Stamp)
    updated_at: Mapped[datetime] = mapped_column(Stamp)


class DraftRevision(Base):
    __tablename__ = "draft_revisions"
    __table_args__ = (UniqueConstraint("draft_id", "number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    draft_id: Mapped[str] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    citations: Mapped[list[Any]] = mapped_column(default=list)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Stamp)


class Publication(Base):
    """The outbox row of a publish: written before the platform call, one per draft."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    draft_id: Mapped[str] = mapped_column(ForeignKey("drafts.id"), unique=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(128), default="")
    channel: Mapped[str] = mapped_column(String(128))
    thread: Mapped[str | None] = mapped_column(String(200))
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(32))  # pending, posted, failed, retracted
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    content_hash: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str | None] = mapped_column(String(200))
    permalink: Mapped[str | None] = mapped_column(Text)
    message_ref: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Stamp)
    posted_at: Mapped[datetime | None] = mapped_column(Stamp)
    reviewed_at: Mapped[datetime | None] = mapped_column(Stamp)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    retracted_at: Mapped[datetime | None] = mapped_column(Stamp)
    retracted_by: Mapped[str | None] = mapped_column(String(200))
    retract_reason: Mapped[str | None] = mapped_column(Text)


class ChannelRuleRow(Base):
    __tablename__ = "channel_rules"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(128), default="")
    channel: Mapped[str] = mapped_column(String(128))
    mode: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(Stamp)


class ChannelRuleHistory(Base):
    __tablename__ = "channel_rule_history"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(128), default="")
    channel: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)
    mode_before: Mapped[str | None] = mapped_column(String(32))
    mode_after: Mapped[str | None] = mapped_column(String(32))
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(Stamp)


class KbDocument(Base):
    __tablename__ = "kb_documents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(1000), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(Stamp)


class KbChunk(Base):
    """A searchable passage. Its full-text index lives in the migrations (FTS5 / tsvector)."""

    __tablename__ = "kb_chunks"
    __table_args__ = (UniqueConstraint("document_id", "ordinal"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("kb_documents.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    section: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text)


class AuditEvent(Base):
    """Append-only, hash-chained: hash = sha256(prev_hash + canonical event).

    Events live on one of a few chains (`chain`), each with its own head, so that concurrent
    writers on PostgreSQL do not queue on a single lock; `chain_seq` is the event's position in
    its chain (and what the hash covers as "seq"); `seq` is the global order for display."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_draft_id", "draft_id"),
        Index("ix_audit_events_action", "action"),
        UniqueConstraint("chain", "chain_seq"),
    )

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    chain: Mapped[int] = mapped_column(Integer)
    chain_seq: Mapped[int] = mapped_column(BigId)
    occurred_at: Mapped[datetime] = mapped_column(Stamp)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    draft_id: Mapped[str | None] = mapped_column(String(32))
    platform: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(128))
    rule_version: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[str | None] = mapped_column(String(64))
    after: Mapped[str | None] = mapped_column(String(64))
    correlation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """One row per chain: its last position and hash. A writer locks one head at commit."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigId)
    hash: Mapped[str] = mapped_column(String(64))
