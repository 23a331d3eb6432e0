"""A moderator's work over HTTP: the review queue (newest first, filters, what each answer
shows), mark reviewed, retract (reason required; deleted through the platform; twice is a
no-op), approve and reject, and the same through the API."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy import update

from bot.domain.labels import Citation
from bot.ports import DraftResult
from bot.services import confirm_draft, edit_draft
from bot.store.models import DraftRow, Publication
from tests.console.conftest import BOB

ARTICLE = re.compile(r'id="a([A-Za-z0-9_-]{20})"')


class CitingDrafter:
    name = "kb"

    async def draft(self, *, question, passages):  # noqa: ANN001, ANN201
        return DraftResult(text="Run `ssh-keygen -t ed25519`.\nThen upload the key. [1]",
                           citations=(Citation(1, "SSH key rotation", "Steps", "ssh-key-rotation.md"),),
                           engine="kb", model="extractive-v1")


async def test_the_queue_shows_what_a_moderator_needs_newest_first(console, browserless):
    await console.account("carol", "moderator", name="Carol Diaz")
    console.core.drafter = CitingDrafter()
    first = await console.published("How do I rotate my SSH key?")
    edited = await console.draft("How do I connect to the VPN?", who=BOB, channel="C-it")
    await edit_draft(console.core, actor=BOB, draft_id=edited, text="Use the VPN client.\nThen upload the key. [1]")
    assert (await confirm_draft(console.core, actor=BOB, draft_id=edited)).kind == "published"
    carol = await browserless("carol")
    page = await carol.get("/console/queue")
    assert ARTICLE.findall(page.text) == [edited, first]
    assert "How do I connect to the VPN?" in page.text and "Use the VPN client." in page.text
    assert "edited by the requester" in page.text and "Run `ssh-keygen -t ed25519`." in page.text  # the original
    assert "SSH key rotation" in page.text and "ssh-key-rotation.md" in page.text
    assert "kb · extractive-v1" in page.text and "Bob Okafor" in page.text and "test:T1/U-bob" in page.text
    assert "open the message" in page.text and "https://chat.example/m2" in page.text


async def test_the_queue_filters_by_platform_channel_requester_status_and_date(console, browserless):
    await console.account("carol", "moderator")
    a = await console.published("Question one?")
    b = await console.published("Question two?", who=BOB, channel="C-it")
    c = await console.published("Question three?", channel="C-it")
    async with console.core.uow() as uow:
        await uow.session.execute(update(Publication).where(Publication.draft_id == a)
                                  .values(posted_at=uow.now() - timedelta(days=3)))
        await uow.commit()
    carol = await browserless("carol")
    await carol.post(f"/console/answers/{b}/review", note="checked")
    await carol.post(f"/console/answers/{c}/retract", reason="outdated")
    today = console.core.clock().date()

    async def ids(query: str) -> list[str]:
        return ARTICLE.findall((await carol.get(f"/console/queue?{query}")).text)

    assert await ids("channel=C-it") == [c, b]
    assert await ids("requester=bob") == [b] and await ids("requester=U-bob") == [b]
    assert await ids("status=published") == [a]
    assert await ids("status=reviewed") == [b]
    assert await ids("status=retracted") == [c]
    assert await ids("platform=slack") == []
    assert set(await ids(f"since={today}")) == {b, c}
    assert await ids(f"until={today - timedelta(days=1)}") == [a]
    assert await ids("since=not-a-date&status=bogus") == [c, b, a]


async def test_retract_needs_a_reason_deletes_the_message_and_twice_does_nothing(console, browserless):
    await console.account("carol", "moderator")
    draft_id = await console.published()
    carol = await browserless("carol")
    await carol.get("/console/queue")
    empty = await carol.post(f"/console/answers/{draft_id}/retract", reason="   ", follow=True)
    assert "Give a reason" in empty.text and console.platform.live_posts(draft_id)
    done = await carol.post(f"/console/answers/{draft_id}/retract", reason="Wrong port number", follow=True)
    assert "Retracted. The public message was replaced by a note" in done.text and console.platform.live_posts(draft_id) == []
    again = await carol.post(f"/console/answers/{draft_id}/retract", reason="again", follow=True)
    assert "already retracted" in again.text
    [event] = await console.events("draft.retracted")
    assert event.actor == "console:carol" and event.details["reason"] == "Wrong port number"
    note = console.platform.private[draft_id][-1].note
    assert "retracted by a moderator" in note and "Wrong port number" in note  # the requester was told
    page = await carol.get(f"/console/answers/{draft_id}")
    assert "<dt>Retracted</dt><dd>by console:carol" in page.text and "Retract</button>" not in page.text


async def test_mark_reviewed_with_a_note(console, browserless):
    await console.account("carol", "moderator")
    draft_id = await console.published()
    carol = await browserless("carol")
    await carol.get("/console/queue")
    page = await carol.post(f"/console/answers/{draft_id}/review", note="Checked against the runbook",
                            back="/console/queue?status=published", follow=True)
    assert "Marked reviewed" in page.text and draft_id not in page.text  # it left the "not reviewed" list
    [event] = await console.events("publication.reviewed")
    assert event.actor == "console:carol" and event.details["note"] == "Checked against the runbook"
    detail = await carol.get(f"/console/answers/{draft_id}")
    assert "Checked against the runbook" in detail.text and "reviewed" in detail.text


async def test_approve_and_reject_drafts_waiting_in_moderated_channels(console, browserless):
    await console.account("carol", "moderator", name="Carol Diaz")
    approve_me = await console.waiting("How do I report an incident?")
    reject_me = await console.waiting("How do I disable MFA?", who=BOB)
    carol = await browserless("carol")
    page = await carol.get("/console/waiting")
    assert approve_me in page.text and reject_me in page.text
    done = await carol.post(f"/console/drafts/{approve_me}/approve", follow=True)
    assert "role=\"status\">Published.<" in done.text
    [post] = console.platform.live_posts(approve_me)
    assert "approved by Carol Diaz" in post.answer.label
    rejected = await carol.post(f"/console/drafts/{reject_me}/reject", reason="Not something to post", follow=True)
    assert "Rejected. The requester was told." in rejected.text and console.platform.live_posts(reject_me) == []
    assert [e.actor for e in await console.events("draft.approved")] == ["console:carol"]
    assert [e.details["reason"] for e in await console.events("draft.rejected")] == ["Not something to post"]
    twice = await carol.post(f"/console/drafts/{approve_me}/approve", follow=True)
    assert "already published" in twice.text and len(console.platform.posts) == 1


async def test_the_api_does_the_same_with_a_personal_token(console):
    await console.account("carol", "moderator")
    secret, _ = await console.token("carol")
    published = await console.published()
    waiting = await console.waiting()
    async with httpx.AsyncClient(base_url=console.url, headers={"Authorization": f"Bearer {secret}"}) as api:
        listing = (await api.get("/api/answers", params={"status": "published"})).json()
        assert [a["draft_id"] for a in listing["answers"]] == [published] and listing["total"] == 1
        assert listing["answers"][0]["requester"]["identity"] == "test:T1/U-alice"
        assert (await api.get("/api/drafts/waiting")).json()["drafts"][0]["draft_id"] == waiting
        no_reason = await api.post(f"/api/answers/{published}/retract", json={"reason": ""})
        assert no_reason.status_code == 422 and console.platform.live_posts(published)
        assert (await api.post(f"/api/answers/{published}/review", json={"note": "ok"})).status_code == 200
        retract = await api.post(f"/api/answers/{published}/retract", json={"reason": "stale"})
        assert retract.status_code == 200 and console.platform.live_posts(published) == []
        approve = await api.post(f"/api/drafts/{waiting}/approve")
        assert approve.json()["outcome"] == "published"
        missing = await api.post("/api/answers/AAAAAAAAAAAAAAAAAAAA/retract", json={"reason": "x"})
        assert missing.status_code == 404 and missing.json()["error"] == "not_found"
        wrong_state = await api.post(f"/api/drafts/{published}/reject", json={})
        assert wrong_state.status_code == 409
    events = await console.events("draft.retracted")
    assert events[0].actor == "console:carol" and events[0].correlation["via"] == "api"
    async with console.core.uow() as uow:
        assert (await uow.session.get(DraftRow, published)).status == "retracted"
