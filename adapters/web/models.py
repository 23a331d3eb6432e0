"""The web workspace's own messages: what its channels show, public and private."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, BigId, Stamp

__all__ = ["WebMessage"]


class WebMessage(Base):
    """A message in a web-workspace channel. `visible_to` set means only that person sees it."""

    __tablename__ = "web_messages"
    __table_args__ = (Index("ix_web_messages_channel_created", "channel", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(128))
    author: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # question, private, answer, note
    visible_to: Mapped[str | None] = mapped_column(String(128))
    draft_id: Mapped[str | None] = mapped_column(String(32), index=True)
    nonce: Mapped[str | None] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(500), default="")
    citations: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(Stamp)
    updated_at: Mapped[datetime] = mapped_column(Stamp)
