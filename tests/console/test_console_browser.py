"""The console in a real browser (Debian's Chromium driven by Playwright): sign in, the review
queue, retract, a rule change, Verify chain."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.store.models import ChannelRuleRow
from tests.console.conftest import PASSWORD
from tests.e2e.test_web_workspace_browser import CHROMIUM, FLAGS

pytestmark = pytest.mark.browser


@pytest.fixture
async def browser() -> AsyncIterator:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make test installs it when run as root)")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        await browser.close()


async def _sign_in(browser, console, username: str, password: str = PASSWORD, start: str = "/console/"):  # noqa: ANN001, ANN202
    page = await (await browser.new_context()).new_page()
    page.set_default_timeout(10_000)
    await page.goto(f"{console.url}{start}")
    await page.get_by_label("User name").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    return page


async def test_a_moderator_signs_in_reviews_and_retracts(browser, console, tmp_path):
    await console.account("carol", "moderator", name="Carol Diaz")
    draft_id = await console.published("How do I rotate my SSH key?")
    wrong = await _sign_in(browser, console, "carol", "not my password", start="/console/queue")
    assert "Wrong user name or password." in await wrong.locator("main").inner_text()

    page = await _sign_in(browser, console, "carol", start="/console/queue")
    await page.wait_for_url("**/console/queue")  # back where she was going
    answer = page.get_by_role("article", name=f"Answer {draft_id}")
    assert "How do I rotate my SSH key?" in await answer.inner_text()
    assert await page.get_by_role("link", name="Channel rules").count() == 0  # not an admin
    await answer.get_by_label(f"Reason for retracting {draft_id}").fill("The key type is outdated")
    await answer.get_by_role("button", name="Retract").click()
    await page.get_by_text("Retracted. The public message was replaced").wait_for()
    assert console.platform.live_posts(draft_id) == []
    assert "The key type is outdated" in await page.get_by_role("article", name=f"Answer {draft_id}").inner_text()
    await page.screenshot(path=str(tmp_path / "queue.png"), full_page=True)
    [event] = await console.events("draft.retracted")
    assert event.actor == "console:carol"

    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("heading", name="Sign in to the console").wait_for()
    await page.goto(f"{console.url}/console/queue")
    assert "/console/signin" in page.url


async def test_an_admin_changes_a_rule_and_verifies_the_chain(browser, console, tmp_path):
    await console.account("dave", "admin", name="Dave Kim")
    await console.published(channel="C-general")
    page = await _sign_in(browser, console, "dave")
    await page.get_by_role("heading", name="Overview").wait_for()
    assert await page.locator("svg.chart").count() >= 2
    await page.get_by_role("link", name="Channel rules").click()
    await page.get_by_label("Mode for test:#C-general").select_option("moderated")
    row = page.locator("tr", has=page.get_by_label("Mode for test:#C-general"))
    await row.get_by_role("button", name="Save").click()
    await page.get_by_text("test:T1/C-general is now moderated").wait_for()
    async with console.core.uow() as uow:
        rule = (await uow.session.execute(select(ChannelRuleRow).where(ChannelRuleRow.channel == "C-general"))).scalar_one()
    assert rule.mode == "moderated" and rule.updated_by == "console:dave"

    await page.get_by_role("link", name="Audit log").click()
    await page.get_by_role("button", name="Verify chain").click()
    await page.get_by_text("Audit chain intact").wait_for()
    await page.screenshot(path=str(tmp_path / "audit.png"), full_page=True)
