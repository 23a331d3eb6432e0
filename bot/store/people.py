"""People and their roles."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import Person, RoleGrant

__all__ = ["ROLES", "ensure_person", "find_person", "has_role", "roles_of", "set_role"]

ROLES = ("admin", "moderator")


@cache
def _find_statement() -> Select[tuple[Person]]:
    """Built once: a person is looked up on every question and click."""
    return select(Person).where(Person.platform == bindparam("platform"), Person.workspace == bindparam("workspace"),
                                Person.user_id == bindparam("user_id"))


async def find_person(session: AsyncSession, *, platform: str, workspace: str, user_id: str) -> Person | None:
    where = {"platform": platform, "workspace": workspace, "user_id": user_id}
    return (await session.execute(_find_statement(), where)).scalar_one_or_none()


async def ensure_person(
    session: AsyncSession, *, platform: str, workspace: str, user_id: str, display_name: str | None, now: datetime
) -> Person:
    """The person for a platform identity, created on first sight (safe under concurrency)."""
    person = await find_person(session, platform=platform, workspace=workspace, user_id=user_id)
    if person is None:
        dialect = sqlite if session.bind.dialect.name == "sqlite" else postgresql
        await session.execute(
            dialect.insert(Person)
            .values(platform=platform, workspace=workspace, user_id=user_id,
                    display_name=display_name or user_id, created_at=now)
            .on_conflict_do_nothing(index_elements=["platform", "workspace", "user_id"])
        )
        person = await find_person(session, platform=platform, workspace=workspace, user_id=user_id)
        assert person is not None
    elif display_name and person.display_name != display_name:
        person.display_name = display_name
    return person


async def roles_of(session: AsyncSession, person: Person) -> set[str]:
    rows = await session.execute(select(RoleGrant.role).where(RoleGrant.person_id == person.id))
    return set(rows.scalars())


async def has_role(session: AsyncSession, person: Person, *roles: str) -> bool:
    return bool((await roles_of(session, person)) & set(roles))


async def set_role(
    session: AsyncSession, person: Person, role: str, *, granted: bool, by: str, now: datetime
) -> bool:
    """Grant or revoke; returns whether anything changed."""
    current = await roles_of(session, person)
    if granted == (role in current):
        return False
    if granted:
        session.add(RoleGrant(person_id=person.id, role=role, granted_by=by, granted_at=now))
    else:
        await session.execute(delete(RoleGrant).where(RoleGrant.person_id == person.id, RoleGrant.role == role))
    return True
