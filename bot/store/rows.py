"""Inserting new rows without the ORM's flush: for the few inserts on every question, where
the unit-of-work machinery costs more than the SQL."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Insert, Table, insert, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from bot.store.models import Base

__all__ = ["insert_row"]


@cache
def _statement(table: Table, returning: tuple[str, ...]) -> Insert:
    statement = insert(table)
    return statement.returning(*(table.c[name] for name in returning)) if returning else statement


async def insert_row(session: AsyncSession, row: Base) -> None:
    """INSERT a new mapped object as it is (unset columns take their Python defaults, or
    NULL), read back what the database generates (an autoincrement key), and leave it detached
    with every column loaded: readable after the session closes, and attachable with
    `session.add` as an existing row. Raises IntegrityError as a flush would."""
    mapper = inspect(type(row))
    table = mapper.local_table
    assert isinstance(table, Table)
    state = inspect(row)
    values: dict[str, Any] = {}
    generated = []
    for column in mapper.columns:
        key = mapper.get_property_by_column(column).key
        if key in state.dict:
            values[column.name] = state.dict[key]
            continue
        if column.primary_key or column.server_default is not None:
            generated.append(column.name)  # the database fills it in
            continue
        default = column.default
        value = None if default is None else default.arg({}) if default.is_callable else default.arg  # type: ignore[attr-defined]
        values[column.name] = value
        set_committed_value(row, key, value)
    result = await (await session.connection()).execute(_statement(table, tuple(generated)), values)
    if generated:
        for name, value in zip(generated, result.one(), strict=True):
            set_committed_value(row, mapper.get_property_by_column(table.c[name]).key, value)
    make_transient_to_detached(row)
