"""What admins do: set channel rules, grant roles, load the knowledge base."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.domain.rules import ChannelMode
from sqlalchemy.exc import IntegrityError

from bot.services.context import Actor, BadInput, Core, Forbidden, Operator, Refused
from bot.store import kb_index
from bot.store.audit import PendingEvent
from bot.store.people import ROLES, ensure_person, has_role, set_role
from bot.store.rules import write_rule
from bot.store.uow import UnitOfWork

__all__ = ["add_kb_files", "grant_role", "set_rule"]

MAX_KB_FILE_BYTES = 2_000_000
_NAME_LIMIT = 128
PLATFORM_LIMIT = 32  # the width of the platform columns


def _identifier(value: str, what: str, limit: int = _NAME_LIMIT) -> str:
    value = value.strip()
    if not value or len(value) > limit or any(c.isspace() or ord(c) < 32 for c in value):
        raise BadInput(f"{what} must be 1–{limit} characters without spaces, got {value[:200]!r}")
    return value


async def _require_admin(uow: UnitOfWork, by: Actor | Operator, platform: str, action: str,
                         correlation: dict[str, Any]) -> None:
    if isinstance(by, Operator):
        return
    person = await ensure_person(uow.session, platform=by.platform, workspace=by.workspace,
                                 user_id=by.user_id, display_name=by.display_name, now=uow.now())
    if by.platform != platform or not await has_role(uow.session, person, "admin"):
        uow.record(PendingEvent(actor=by.label, action=f"{action}.refused", platform=platform,
                                correlation=correlation, details={"reason": "not an admin"}))
        await uow.commit()
        raise Forbidden("Only an admin can do that.")


async def set_rule(
    core: Core, *, by: Actor | Operator, platform: str, workspace: str = "", channel: str,
    mode: ChannelMode | str | None, correlation: dict[str, Any] | None = None,
) -> str:
    """Set a channel's mode (None removes the rule, so the default applies). Versioned, audited."""
    correlation = correlation or {}
    platform, channel = _identifier(platform, "platform", PLATFORM_LIMIT), _identifier(channel, "channel")
    workspace = _identifier(workspace, "workspace") if workspace else ""
    if isinstance(mode, str):
        try:
            mode = ChannelMode(mode)
        except ValueError:
            raise BadInput(f"mode must be one of {', '.join(m.value for m in ChannelMode)}, got {mode!r}") from None
    async with core.uow() as uow:
        await _require_admin(uow, by, platform, "rule.set", correlation)
        before, after, version = await write_rule(uow.session, platform=platform, workspace=workspace,
                                                  channel=channel, mode=mode, by=by.label, now=uow.now())
        uow.record(PendingEvent(actor=by.label, action="rule.set" if mode else "rule.unset", platform=platform,
                                channel=channel, rule_version=version, before=before, after=after,
                                correlation=correlation, details={"workspace": workspace}))
        await uow.commit()
    where = f"{platform}:{workspace + '/' if workspace else ''}{channel}"
    shown = mode.value if mode else f"the default ({core.settings.default_mode.value})"
    return f"{where} is now {shown} (rule version {version})"


async def grant_role(
    core: Core, *, by: Actor | Operator, platform: str, workspace: str = "", user: str, role: str,
    granted: bool, correlation: dict[str, Any] | None = None,
) -> str:
    correlation = correlation or {}
    if role not in ROLES:
        raise BadInput(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    platform, user = _identifier(platform, "platform", PLATFORM_LIMIT), _identifier(user, "user")
    workspace = _identifier(workspace, "workspace") if workspace else ""
    async with core.uow() as uow:
        await _require_admin(uow, by, platform, "role.grant" if granted else "role.revoke", correlation)
        person = await ensure_person(uow.session, platform=platform, workspace=workspace, user_id=user,
                                     display_name=None, now=uow.now())
        changed = await set_role(uow.session, person, role, granted=granted, by=by.label, now=uow.now())
        if changed:
            uow.record(PendingEvent(actor=by.label, action="role.granted" if granted else "role.revoked",
                                    platform=platform, correlation=correlation,
                                    details={"workspace": workspace, "user": user, "role": role}))
        await uow.commit()
    verb = "granted to" if granted else "revoked from"
    return f"{role} {verb} {platform}:{user}" + ("" if changed else " (no change)")


async def add_kb_files(core: Core, *, by: Operator, paths: list[Path]) -> list[str]:
    """Load Markdown/text files (or folders of them) into the knowledge base."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in (".md", ".markdown", ".txt")))
        elif path.is_file():
            files.append(path)
        else:
            raise BadInput(f"{path}: no such file or folder")
    for file in files:
        if file.stat().st_size > MAX_KB_FILE_BYTES:
            raise BadInput(f"{file}: larger than {MAX_KB_FILE_BYTES // 1_000_000} MB; split it")
    decoded = []
    for file in files:
        try:
            decoded.append((file, file.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            raise BadInput(f"{file}: not UTF-8 text") from None
    report = []
    async with core.uow() as uow:
        try:
            for file, body in decoded:
                document, outcome = await kb_index.store_document(uow.session, source=file.name, body=body,
                                                                  added_by=by.label, now=uow.now())
                if outcome != "unchanged":
                    uow.record(PendingEvent(actor=by.label, action=f"kb.{outcome}",
                                            details={"source": document.source, "sha256": document.sha256,
                                                     "chunks": document.chunks}))
                report.append(f"{outcome}: {document.source} ({document.title}, {document.chunks} passages)")
            await uow.commit()
        except IntegrityError:  # another process (a second replica) stored the same documents first
            raise Refused("Another process is loading the same documents right now; nothing was changed. "
                          "Run the command again to see the result.") from None
    return report
