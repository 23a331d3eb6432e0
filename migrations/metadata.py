"""The metadata Alembic compares against, and what lives only in migrations."""

from __future__ import annotations

from typing import Any

import adapters.web.models  # noqa: F401  (registers the web workspace's tables)
import adapters.web.console.models  # noqa: F401  (registers the console's tables)
from bot.store.models import Base

target_metadata = Base.metadata

# Full-text search objects are created by the migrations with dialect-specific DDL.
MIGRATION_ONLY_TABLES = {"kb_chunks_fts", "kb_chunks_fts_data", "kb_chunks_fts_idx", "kb_chunks_fts_docsize",
                         "kb_chunks_fts_config", "kb_chunks_fts_content", "alembic_version"}
MIGRATION_ONLY_COLUMNS = {("kb_chunks", "search_vector")}
MIGRATION_ONLY_INDEXES = {"ix_kb_chunks_search_vector"}


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if type_ == "table" and name in MIGRATION_ONLY_TABLES:
        return False
    if type_ == "column" and (obj.table.name, name) in MIGRATION_ONLY_COLUMNS:
        return False
    if type_ == "index" and name in MIGRATION_ONLY_INDEXES:
        return False
    return True
