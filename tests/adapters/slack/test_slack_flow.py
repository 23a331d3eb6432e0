"""Slack: signed requests into `serve`'s Bolt app, a fake Web API behind it."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import func, select

from bot.services import Operator, set_rule
from bot.store.models import AuditEvent, DraftRow, Publication, Question


async def _count(slack, model, *where) -> int:
    async with slack.core.uow() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def _drafted(slack, text: str = "How do I rotate my SSH key?", **kw) -> str:
    response = await slack.mention(text, **kw)
    assert response.status_code == 200
    await slack.fake.wait_for(lambda: slack.draft_ids())
    return slack.draft_ids()[-1]


async def _status(slack, draft_id: str, expected: str) -> None:
    for _ in range(400):
        async with slack.core.uow() as uow:
            status = (await uow.session.get(DraftRow, draft_id)).status
        if status == expected:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"draft is {status}, expected {expected}")


def _buttons(params) -> dict[str, str]:
    return {e["text"]["text"]: e["action_id"] for b in params.get("blocks", []) if b["type"] == "actions" for e in b["elements"]}


async def test_a_mention_gets_a_private_labelled_draft_with_buttons(slack):
    await _drafted(slack)
    [ephemeral] = slack.fake.called("chat.postEphemeral")
    assert ephemeral["user"] == "U1" and ephemeral["channel"] == "C1"
    assert set(_buttons(ephemeral)) == {"Publish to #general", "Edit", "Discard"}
    context = str(ephemeral["blocks"])
    assert "AI-generated draft" in context and "may be wrong" in context and "only visible to you" in context
    assert slack.fake.called("chat.postMessage") == []


async def test_the_requesters_click_publishes_once_labelled_escaped_and_without_unfurls(slack):
    slack.drafter.text = "Ping <!channel> and <@U999> or <!subteam^S1> at <https://evil.example|docs> & more"
    draft_id = await _drafted(slack)
    await slack.click("draftgate_publish", draft_id)
    await slack.fake.wait_for(lambda: slack.fake.public_posts())
    [post] = slack.fake.public_posts()
    assert post["unfurl_links"] in ("0", "false", False) and post["unfurl_media"] in ("0", "false", False)
    body = str(post["blocks"]) + post["text"]
    for live in ("<!channel>", "<@U999>", "<!subteam^S1>", "<https://evil.example|docs>"):
        assert live not in body
    assert "&lt;!channel&gt;" in body
    assert "confirmed by u1" in str(post["blocks"]) and "may be inaccurate" in str(post["blocks"])
    assert post["metadata"]["event_payload"]["draft_id"] == draft_id
    await slack.click("draftgate_publish", draft_id)
    await asyncio.sleep(0.3)
    assert len(slack.fake.public_posts()) == 1


async def test_another_users_click_is_refused_privately_and_audited(slack):
    draft_id = await _drafted(slack)
    await slack.click("draftgate_publish", draft_id, user="U2")
    await slack.fake.wait_for(lambda: any(p.get("user") == "U2" for p in slack.fake.called("chat.postEphemeral")))
    refusal = [p for p in slack.fake.called("chat.postEphemeral") if p.get("user") == "U2"][0]
    assert "Only the person who asked" in refusal["text"]
    assert slack.fake.public_posts() == []
    assert await _count(slack, AuditEvent, AuditEvent.action == "publish.refused") == 1


async def test_twenty_concurrent_clicks_post_one_message(slack):
    draft_id = await _drafted(slack)
    await asyncio.gather(*(slack.click("draftgate_publish", draft_id) for _ in range(20)))
    await slack.fake.wait_for(lambda: slack.fake.public_posts())
    await asyncio.sleep(0.5)
    assert len(slack.fake.public_posts()) == 1
    assert await _count(slack, Publication) == 1


async def test_a_redelivered_event_makes_one_draft(slack):
    await slack.mention("How do I use the VPN?", event_id="EvSame")
    await slack.fake.wait_for(lambda: slack.draft_ids())
    again = await slack.mention("How do I use the VPN?", event_id="EvSame",
                                headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert again.status_code == 200
    await asyncio.sleep(0.3)
    assert await _count(slack, Question) == 1 and await _count(slack, DraftRow) == 1


async def test_forged_and_stale_signatures_are_refused_and_store_nothing(slack):
    forged = await slack.mention("hello", secret="not-the-secret")
    stale = await slack.mention("hello", timestamp=int(time.time()) - 600)
    assert forged.status_code == 401 and stale.status_code == 401
    await asyncio.sleep(0.2)
    assert await _count(slack, Question) == 0
    assert slack.fake.called("chat.postEphemeral") == []


async def test_a_rule_changed_after_drafting_stops_the_publish(slack):
    draft_id = await _drafted(slack)
    await set_rule(slack.core, by=Operator("cli:test"), platform="slack", workspace="T1", channel="C1", mode="private-only")
    await slack.click("draftgate_publish", draft_id)
    await slack.fake.wait_for(lambda: any("not allowed" in str(p) for p in slack.fake.called("chat.postEphemeral")))
    assert slack.fake.public_posts() == []


async def test_a_mention_in_the_question_is_shown_inert(slack):
    await _drafted(slack, "<!here> what is <@U777> doing? <https://x.example|click>")
    [ephemeral] = slack.fake.called("chat.postEphemeral")
    shown = str(ephemeral["blocks"])
    assert "<!here>" not in shown and "&lt;!here&gt;" in shown


async def test_429_during_publish_is_retried_after_retry_after(slack):
    draft_id = await _drafted(slack)
    slack.fake.fail("chat.postMessage", status=429, retry_after=1)
    await slack.click("draftgate_publish", draft_id)
    await slack.fake.wait_for(lambda: slack.fake.history.get("C1"), timeout=10)
    assert len(slack.fake.public_posts()) == 2  # the 429, then the post after Retry-After
    assert len(slack.fake.history["C1"]) == 1
    await _status(slack, draft_id, "published")


async def test_a_failed_publish_stays_retryable_and_is_not_doubled(slack):
    draft_id = await _drafted(slack)
    slack.fake.fail("chat.postMessage", error="fatal_error")
    await slack.click("draftgate_publish", draft_id)
    await slack.fake.wait_for(lambda: any("Publishing failed" in str(p) for p in slack.fake.responses + slack.fake.called("chat.postEphemeral")))
    await _status(slack, draft_id, "publish_failed")
    await slack.click("draftgate_publish", draft_id)
    await slack.fake.wait_for(lambda: len(slack.fake.history.get("C1", [])) == 1)
    await asyncio.sleep(0.3)
    assert len(slack.fake.history["C1"]) == 1


async def test_a_failed_response_after_slack_accepted_the_post_is_found_on_retry(slack):
    draft_id = await _drafted(slack)
    slack.fake.fail("chat.postMessage", crash_after_post=True)  # posted, but the answer is an HTTP 500
    await slack.click("draftgate_publish", draft_id)
    await _status(slack, draft_id, "publish_failed")
    await slack.click("draftgate_publish", draft_id)  # the retry looks in the channel first
    await _status(slack, draft_id, "published")
    assert len(slack.fake.history["C1"]) == 1
    assert slack.fake.called("conversations.history")[-1]["include_all_metadata"] in ("1", "true", True)


async def test_a_crash_between_slack_accepting_and_recording_is_reconciled_without_a_second_post(slack, monkeypatch):
    from datetime import timedelta

    from bot.services import publishing, reconcile_publishing

    draft_id = await _drafted(slack)

    async def crash(*args, **kwargs):
        raise RuntimeError("the process died before recording the post")

    monkeypatch.setattr(publishing, "_record_post", crash)
    await slack.click("draftgate_publish", draft_id)
    await slack.fake.wait_for(lambda: len(slack.fake.history.get("C1", [])) == 1)
    await _status(slack, draft_id, "publishing")
    monkeypatch.undo()

    assert await reconcile_publishing(slack.core, older_than=timedelta(0)) == [draft_id]
    await _status(slack, draft_id, "published")
    await slack.click("draftgate_publish", draft_id)
    await asyncio.sleep(0.3)
    assert len(slack.fake.history["C1"]) == 1


async def test_slash_ask_answers_through_the_response_url(slack):
    response = await slack.command("/ask", "How do I rotate my SSH key?")
    assert response.status_code == 200 and "Drafting" in response.text
    await slack.fake.wait_for(lambda: slack.fake.responses)
    [reply] = slack.fake.responses
    assert reply["replace_original"] is True and "Publish to #general" in str(reply["blocks"])


async def test_a_direct_message_is_answered_in_the_dm_with_nothing_to_publish(slack):
    await slack.event({"type": "message", "channel_type": "im", "user": "U1", "text": "How do I rotate my SSH key?",
                       "ts": "1699999999.000900", "channel": "DU1"})
    await slack.fake.wait_for(lambda: slack.fake.called("chat.postMessage"))
    [dm] = slack.fake.called("chat.postMessage")
    assert dm["channel"] == "DU1" and "Publish" not in str(_buttons(dm))


async def test_moderated_channel_needs_a_moderators_approval(slack):
    from bot.services import grant_role

    await set_rule(slack.core, by=Operator("cli:test"), platform="slack", workspace="T1", channel="C1", mode="moderated")
    await grant_role(slack.core, by=Operator("cli:test"), platform="slack", workspace="T1", user="UMOD", role="moderator", granted=True)
    draft_id = await _drafted(slack)
    await slack.click("draftgate_publish", draft_id)
    await slack.fake.wait_for(lambda: slack.fake.public_posts("CR"))
    [review] = slack.fake.public_posts("CR")
    assert set(_buttons(review)) == {"Approve", "Reject"}
    assert slack.fake.public_posts() == []
    await slack.click("draftgate_approve", draft_id, user="U3", channel="CR")  # not a moderator
    await asyncio.sleep(0.3)
    assert slack.fake.public_posts() == []
    await slack.click("draftgate_approve", draft_id, user="UMOD", channel="CR",
                      container={"type": "message", "channel_id": "CR", "message_ts": review.get("ts", "1")})
    await slack.fake.wait_for(lambda: slack.fake.public_posts())
    assert "approved by umod" in str(slack.fake.public_posts()[0]["blocks"])


async def test_an_oversized_question_gets_a_private_error_and_stores_nothing(slack):
    await slack.mention("vpn " * 2000)
    await slack.fake.wait_for(lambda: slack.fake.called("chat.postEphemeral"))
    assert "too long" in slack.fake.called("chat.postEphemeral")[0]["text"]
    assert await _count(slack, Question) == 0


async def test_only_an_admin_can_set_the_channel_mode(slack):
    from bot.services import grant_role

    await slack.command("/draftgate-mode", "off", user="U2")
    await slack.fake.wait_for(lambda: slack.fake.responses)
    assert "Only an admin" in slack.fake.responses[-1]["text"]
    await grant_role(slack.core, by=Operator("cli:test"), platform="slack", workspace="T1", user="UADM", role="admin", granted=True)
    await slack.command("/draftgate-mode", "off", user="UADM")
    await slack.fake.wait_for(lambda: len(slack.fake.responses) == 2)
    assert "is now off" in slack.fake.responses[-1]["text"]


async def test_a_question_that_cannot_be_stored_gets_a_private_busy_message(slack, monkeypatch):
    from bot.services import asking

    async def down(*args, **kwargs):
        raise ConnectionError("database unavailable")

    monkeypatch.setattr(asking, "_record_question", down)
    await slack.mention("How do I rotate my SSH key?")
    await slack.fake.wait_for(lambda: slack.fake.called("chat.postEphemeral"))
    assert "Nothing was posted; please ask again" in slack.fake.called("chat.postEphemeral")[0]["text"]
    assert slack.fake.public_posts() == []
