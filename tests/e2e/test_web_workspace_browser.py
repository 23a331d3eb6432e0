"""The main flow in a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture
async def browser() -> AsyncIterator:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make test installs it when run as root)")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        await browser.close()


async def _as(browser, live, who: str):
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{live.url}/who")
    await page.get_by_role("button", name=who).click()
    return page


async def test_ask_see_private_draft_publish_and_colleague_sees_labelled_answer(browser, live):
    alice = await _as(browser, live, "Alice Ng")
    await alice.get_by_label("Ask draftgate privately").fill("How do I rotate my SSH key?")
    await alice.get_by_role("button", name="Ask").click()
    draft = alice.get_by_role("article", name="Private draft")
    await draft.wait_for()
    assert "Only visible to you" in await draft.inner_text()
    assert "AI-generated" in await draft.inner_text()

    bob = await _as(browser, live, "Bob Okafor")
    await bob.goto(f"{live.url}/c/general")
    assert await bob.get_by_role("article", name="Private draft").count() == 0

    await draft.get_by_role("button", name="Publish to #general").click()
    await alice.get_by_text("Published.").first.wait_for()

    await bob.reload()
    body = await bob.locator("section.messages").inner_text()
    assert "confirmed by Alice Ng" in body and "may be inaccurate" in body
    await bob.screenshot(path=str(live.screenshot_dir / "published.png"), full_page=True)


async def test_moderated_channel_goes_through_the_review_queue(browser, live):
    alice = await _as(browser, live, "Alice Ng")
    await alice.goto(f"{live.url}/c/security")
    await alice.get_by_label("Ask draftgate privately").fill("How do I report a security incident?")
    await alice.get_by_role("button", name="Ask").click()
    await alice.get_by_role("button", name="Send for approval").click()
    await alice.get_by_text("Sent to a moderator").first.wait_for()

    carol = await _as(browser, live, "Carol Diaz")
    await carol.get_by_role("link", name="Review queue").click()
    await carol.get_by_role("button", name="Approve and publish").click()
    await carol.get_by_text("Published.").first.wait_for()

    await alice.goto(f"{live.url}/c/security")
    assert "approved by Carol Diaz" in await alice.locator("section.messages").inner_text()
