"""Who is acting, as a stored person: platform users as themselves, trusted operators (the CLI,
the signed-in console) as people of the pseudo-platform "operator"."""

from __future__ import annotations

from bot.services.context import Actor, Operator
from bot.store.models import Person
from bot.store.people import ensure_person, has_role
from bot.store.uow import UnitOfWork

__all__ = ["may_moderate", "person_of"]


async def person_of(uow: UnitOfWork, who: Actor | Operator) -> Person:
    if isinstance(who, Operator):
        return await ensure_person(uow.session, platform="operator", workspace="", user_id=who.name,
                                   display_name=who.display_name or who.name, now=uow.now())
    return await ensure_person(uow.session, platform=who.platform, workspace=who.workspace,
                               user_id=who.user_id, display_name=who.display_name, now=uow.now())


async def may_moderate(uow: UnitOfWork, who: Actor | Operator, person: Person, platform: str) -> bool:
    """Operators were authorised by their caller; platform users need the role on that platform."""
    if isinstance(who, Operator):
        return True
    return person.platform == platform and await has_role(uow.session, person, "moderator", "admin")
