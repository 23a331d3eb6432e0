"""Several chain heads: concurrent writers spread over chains, verification covers every chain,
and a database written before chains existed keeps verifying after the migration."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command
from sqlalchemy import delete, event, func, select, update

from bot.bootstrap import alembic_config, build_runtime
from bot.config import async_database_url
from bot.store.audit import AUDIT_CHAINS, LastHead, PendingEvent, append_events, verify_chain
from bot.store.models import AuditEvent, AuditHead
from tests.conftest import ON_POSTGRES

postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has one writer at a time: one chain")


async def _record(runtime, action: str) -> None:
    async with runtime.core.uow() as uow:
        uow.record(PendingEvent(actor="tester", action=action))
        await uow.commit()


async def _verify(runtime):
    async with runtime.core.uow() as uow:
        return await verify_chain(uow.session)


async def _events(runtime) -> list[AuditEvent]:
    async with runtime.core.uow() as uow:
        return list((await uow.session.execute(select(AuditEvent).order_by(AuditEvent.seq))).scalars())


async def _on_two_chains(runtime) -> None:
    """A writer holds chain 1 (uncommitted) while another commits; both then commit."""
    async with runtime.core.uow() as slow:
        # takes chain 1 and keeps it until the commit below
        await append_events(slow.session, [PendingEvent(actor="slow", action="slow.event")], now=slow.now())
        await asyncio.wait_for(_record(runtime, "fast.event"), timeout=10)  # must not wait for chain 1
        await _record(runtime, "fast.again")
        await slow.session.commit()
    await _record(runtime, "after")


async def test_the_migrations_create_one_head_per_chain(runtime):
    async with runtime.core.uow() as uow:
        ids = (await uow.session.execute(select(AuditHead.id).order_by(AuditHead.id))).scalars().all()
    assert ids == list(range(1, AUDIT_CHAINS + 1))


async def test_sequential_writers_stay_on_the_first_chain(runtime):
    for i in range(5):
        await _record(runtime, f"event.{i}")
    events = await _events(runtime)
    assert [(e.chain, e.chain_seq) for e in events] == [(1, i) for i in range(1, 6)]
    assert (await _verify(runtime)).intact


@postgres_only
async def test_a_writer_does_not_wait_for_a_held_chain(runtime):
    await _on_two_chains(runtime)
    events = await _events(runtime)
    by_action = {e.action: (e.chain, e.chain_seq) for e in events}
    assert by_action == {"fast.event": (2, 1), "fast.again": (2, 2), "slow.event": (1, 1), "after": (1, 2)}
    result = await _verify(runtime)
    assert result.intact and result.checked == 4


@postgres_only
async def test_an_edit_on_another_chain_is_named(runtime):
    await _on_two_chains(runtime)
    target = next(e for e in await _events(runtime) if e.action == "fast.again")
    async with runtime.core.uow() as uow:
        await uow.session.execute(update(AuditEvent).where(AuditEvent.seq == target.seq).values(actor="forger"))
        await uow.commit()
    result = await _verify(runtime)
    assert not result.intact and result.first_bad_seq == target.seq and "changed" in (result.reason or "")


@postgres_only
async def test_removing_the_last_event_of_a_chain_is_named(runtime):
    await _on_two_chains(runtime)
    target = next(e for e in await _events(runtime) if e.action == "fast.again")
    async with runtime.core.uow() as uow:
        await uow.session.execute(delete(AuditEvent).where(AuditEvent.seq == target.seq))
        await uow.commit()
    result = await _verify(runtime)
    assert not result.intact and "chain 2" in (result.reason or "")


@postgres_only
async def test_moving_an_event_to_another_chain_is_named(runtime):
    await _on_two_chains(runtime)
    target = next(e for e in await _events(runtime) if e.action == "fast.event")
    async with runtime.core.uow() as uow:
        await uow.session.execute(update(AuditEvent).where(AuditEvent.seq == target.seq).values(chain=99))
        await uow.commit()
    result = await _verify(runtime)
    assert not result.intact and result.first_bad_seq is not None and result.first_bad_seq <= target.seq


async def test_a_verify_while_writers_commit_is_not_mistaken_for_tampering(runtime):
    async with runtime.core.uow() as uow:  # enough history that a verify takes a while
        await append_events(uow.session, [PendingEvent(actor="t", action=f"before.{i}") for i in range(1500)], now=uow.now())
        await uow.commit()

    verifies = []
    for i in range(20):  # each verify starts just as another event is being committed
        verifies.append(asyncio.create_task(_verify(runtime)))
        await _record(runtime, f"during.{i}")
    results = await asyncio.gather(*verifies)
    assert all(result.intact for result in results)


def test_events_written_before_chains_still_verify_after_the_migration(database_url):
    """Record events, go back to the single-chain schema (0002), come back: same hashes, intact,
    and new events continue the chain."""
    from bot.bootstrap import build_runtime
    from bot.config import load_settings

    settings = load_settings(database_url=database_url, load_sample_kb=False)
    config = alembic_config(async_database_url(database_url))

    async def record(n: int) -> list[str]:
        runtime = build_runtime(settings)
        try:
            for i in range(n):
                await _record(runtime, f"event.{i}")
            return [e.hash for e in await _events(runtime)]
        finally:
            await runtime.close()

    async def check() -> tuple[bool, int, list[str]]:
        runtime = build_runtime(settings)
        try:
            result = await _verify(runtime)
            return result.intact, result.checked, [e.hash for e in await _events(runtime)]
        finally:
            await runtime.close()

    hashes = asyncio.run(record(4))
    command.downgrade(config, "0002")
    command.upgrade(config, "head")
    intact, checked, after = asyncio.run(check())
    assert intact and checked == 4 and after == hashes
    asyncio.run(record(2))
    intact, checked, _ = asyncio.run(check())
    assert intact and checked == 6


@postgres_only
def test_downgrade_refuses_when_events_are_on_other_chains(database_url):
    from bot.bootstrap import build_runtime
    from bot.config import load_settings

    settings = load_settings(database_url=database_url, load_sample_kb=False)

    async def write_then_count() -> int:
        runtime = build_runtime(settings)
        try:
            await _on_two_chains(runtime)
            async with runtime.core.uow() as uow:
                return (await uow.session.execute(select(func.count()).select_from(AuditEvent))).scalar_one()
        finally:
            await runtime.close()

    before = asyncio.run(write_then_count())
    with pytest.raises(RuntimeError, match="cannot downgrade below 0003"):
        command.downgrade(alembic_config(async_database_url(database_url)), "0002")

    async def count() -> tuple[int, bool]:
        runtime = build_runtime(settings)
        try:
            async with runtime.core.uow() as uow:
                n = (await uow.session.execute(select(func.count()).select_from(AuditEvent))).scalar_one()
            return n, (await _verify(runtime)).intact
        finally:
            await runtime.close()

    assert asyncio.run(count()) == (before, True)


sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL always reads the head it takes")


@sqlite_only
async def test_on_sqlite_the_head_written_last_is_moved_without_reading_it_again(runtime):
    heads_read = []
    listen = lambda *args: heads_read.append(args[2]) if args[2].lstrip().startswith("SELECT audit_head") else None  # noqa: E731
    event.listen(runtime.engine.sync_engine, "before_cursor_execute", listen)
    for i in range(4):
        await _record(runtime, f"event.{i}")
    event.remove(runtime.engine.sync_engine, "before_cursor_execute", listen)
    assert len(heads_read) == 1  # the first append only
    assert (await _verify(runtime)).intact and len(await _events(runtime)) == 4


@sqlite_only
async def test_on_sqlite_a_stale_guess_of_the_head_is_caught_and_the_chain_stays_whole(runtime, settings):
    serve_guess, cli_guess = LastHead(), LastHead()

    async def append(on, guess: LastHead, action: str, *, commit: bool = True) -> None:
        async with on.core.uow() as uow:
            await append_events(uow.session, [PendingEvent(actor="tester", action=action)], now=uow.now(), last=guess)
            await (uow.session.commit() if commit else uow.rollback())

    other = build_runtime(settings)  # a second process on the same file (e.g. the CLI)
    try:
        await append(runtime, serve_guess, "serve.1")
        await append(other, cli_guess, "cli.1")  # serve's guess is now stale
        await append(runtime, serve_guess, "serve.2")
        await append(runtime, serve_guess, "rolled.back", commit=False)  # the guess is now ahead of the head
        await append(runtime, serve_guess, "serve.3")
        await append(other, cli_guess, "cli.2")
    finally:
        await other.close()
    events = await _events(runtime)
    assert [e.action for e in events] == ["serve.1", "cli.1", "serve.2", "serve.3", "cli.2"]
    assert [e.chain_seq for e in events] == [1, 2, 3, 4, 5]
    assert (await _verify(runtime)).intact
