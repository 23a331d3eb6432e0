"""The audit chain detects an edited, removed or reordered event; the CLI says which."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import delete, text, update

from adapters import cli
from bot.config import get_settings
from bot.services import Actor, Where, ask, confirm_draft
from bot.store.audit import verify_chain
from bot.store.models import AuditEvent

ALICE = Actor("test", "T1", "alice", "Alice")


async def _history(runtime) -> None:
    outcome = await ask(runtime.core, actor=ALICE, where=Where("test", "T1", "general"),
                        question="How do I rotate my SSH key?", event_id="e1")
    await confirm_draft(runtime.core, actor=ALICE, draft_id=outcome.draft_id)


async def _verify(runtime):
    async with runtime.core.uow() as uow:
        return await verify_chain(uow.session)


async def _change(runtime, statement) -> None:
    async with runtime.core.uow() as uow:
        await uow.session.execute(statement)
        await uow.commit()


async def test_an_intact_chain_verifies(runtime):
    await _history(runtime)
    result = await _verify(runtime)
    assert result.intact and result.checked >= 6


async def test_an_edited_event_is_named(runtime):
    await _history(runtime)
    await _change(runtime, update(AuditEvent).where(AuditEvent.seq == 3).values(actor="someone-else"))
    result = await _verify(runtime)
    assert not result.intact and result.first_bad_seq == 3


async def test_a_removed_event_is_named(runtime):
    await _history(runtime)
    await _change(runtime, delete(AuditEvent).where(AuditEvent.seq == 2))
    result = await _verify(runtime)
    assert not result.intact and result.first_bad_seq == 2


async def test_a_removed_last_event_is_named(runtime):
    await _history(runtime)
    last = (await _verify(runtime)).checked
    await _change(runtime, delete(AuditEvent).where(AuditEvent.seq == last))
    result = await _verify(runtime)
    assert not result.intact and result.first_bad_seq == last


async def test_reordered_events_are_named(runtime):
    await _history(runtime)
    await _change(runtime, text("UPDATE audit_events SET seq = -1 WHERE seq = 4"))
    await _change(runtime, text("UPDATE audit_events SET seq = 4 WHERE seq = 5"))
    await _change(runtime, text("UPDATE audit_events SET seq = 5 WHERE seq = -1"))
    result = await _verify(runtime)
    assert not result.intact and result.first_bad_seq == 4


async def test_a_rolled_back_unit_of_work_leaves_no_event(runtime):
    from bot.store.audit import PendingEvent

    before = (await _verify(runtime)).checked
    async with runtime.core.uow() as uow:
        uow.record(PendingEvent(actor="x", action="never.committed"))
    assert (await _verify(runtime)).checked == before


async def test_the_cli_exits_non_zero_and_names_the_event(runtime, database_url, monkeypatch, capsys):
    await _history(runtime)
    monkeypatch.setenv("DRAFTGATE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    assert await asyncio.to_thread(cli.main, ["audit", "verify"]) == 0
    await _change(runtime, update(AuditEvent).where(AuditEvent.seq == 2).values(details={"forged": True}))
    code = await asyncio.to_thread(cli.main, ["audit", "verify"])
    assert code == 4 and "event 2" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
async def test_export_writes_every_event(runtime, database_url, monkeypatch, tmp_path, fmt):
    await _history(runtime)
    monkeypatch.setenv("DRAFTGATE_DATABASE_URL", database_url)
    out = tmp_path / f"audit.{fmt}"
    assert await asyncio.to_thread(cli.main, ["audit", "export", "--format", fmt, "--output", str(out)]) == 0
    lines = out.read_text().strip().splitlines()
    events = (await _verify(runtime)).checked
    assert len(lines) == events + (1 if fmt == "csv" else 0)
