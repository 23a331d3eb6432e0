"""Slack: Socket Mode, the message shortcut, editing, retracting, App Home, shared channels."""

from __future__ import annotations

import asyncio
import json
import time

import httpx

from adapters.server import build_server
from bot.bootstrap import build_runtime
from bot.config import load_settings
from bot.services import Operator, grant_role
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.test_slack_flow import _buttons, _drafted, _status
from tests.fakes import ScriptedDrafter
from tests.live import running


async def test_socket_mode_receives_an_event_and_acks_its_envelope(database_url):
    fake = FakeSlack()
    await fake.start()
    fake.socket_envelopes.append({
        "envelope_id": "env-1", "type": "events_api", "accepts_response_payload": False, "retry_attempt": 0,
        "payload": {"team_id": "T1", "api_app_id": "A1", "type": "event_callback", "event_id": "EvSock",
                    "event_time": int(time.time()),
                    "event": {"type": "app_mention", "user": "U1", "text": "<@UBOT> How do I use the VPN?",
                              "ts": "1699999999.000001", "channel": "C1"}}})
    settings = load_settings(database_url=database_url, load_sample_kb=False, web_workspace=False,
                             slack={"bot_token": "xoxb-test", "app_token": "xapp-test", "api_url": f"{fake.url}/api/"})
    server = build_server(build_runtime(settings, drafter=ScriptedDrafter()))
    try:
        async with running(server) as url:
            await fake.wait_for(lambda: fake.called("chat.postEphemeral"))
            assert {"envelope_id": "env-1"} in [{"envelope_id": a.get("envelope_id")} for a in fake.socket_acks]
            assert fake.called("apps.connections.open")
            async with httpx.AsyncClient(base_url=url) as http:  # no signing secret: no HTTP endpoint
                assert (await http.post("/slack/events", content="{}")).status_code == 404
    finally:
        await fake.stop()


async def test_the_message_shortcut_drafts_a_reply_published_in_that_thread(slack):
    await slack.interaction({
        "type": "message_action", "callback_id": "draft_reply", "trigger_id": "trig-sc",
        "user": {"id": "U1", "team_id": "T1", "username": "u1"}, "team": {"id": "T1"}, "channel": {"id": "C1"},
        "message": {"ts": "1690000000.000100", "user": "U5", "text": "How do I rotate my SSH key?"},
        "response_url": f"{slack.fake.url}/response/sc"})
    await slack.fake.wait_for(lambda: slack.draft_ids())
    [ephemeral] = slack.fake.called("chat.postEphemeral")
    assert ephemeral["thread_ts"] == "1690000000.000100"
    await slack.click("draftgate_publish", slack.draft_ids()[-1])
    await slack.fake.wait_for(lambda: slack.fake.history.get("C1"))
    assert slack.fake.public_posts()[0]["thread_ts"] == "1690000000.000100"


async def test_edit_opens_a_modal_and_the_published_answer_says_it_was_edited(slack):
    draft_id = await _drafted(slack)
    await slack.click("draftgate_edit", draft_id)
    await slack.fake.wait_for(lambda: slack.fake.called("views.open"))
    modal = slack.fake.called("views.open")[0]["view"]
    assert modal["private_metadata"] == draft_id
    submitted = await slack.interaction({
        "type": "view_submission", "user": {"id": "U1", "team_id": "T1", "username": "u1"}, "team": {"id": "T1"},
        "view": {"id": "V1", "type": "modal", "callback_id": "draftgate_edit_modal", "private_metadata": draft_id,
                 "state": {"values": {"text": {"value": {"type": "plain_text_input", "value": "Use Gatekeeper to rotate keys."}}}}}})
    assert submitted.status_code == 200
    await slack.click("draftgate_publish", draft_id)
    await _status(slack, draft_id, "published")
    post = slack.fake.public_posts()[0]
    assert "Use Gatekeeper to rotate keys." in post["text"] and "edited by u1" in str(post["blocks"])


async def test_an_empty_edit_is_refused_in_the_modal(slack):
    draft_id = await _drafted(slack)
    response = await slack.interaction({
        "type": "view_submission", "user": {"id": "U1", "team_id": "T1"}, "team": {"id": "T1"},
        "view": {"id": "V1", "type": "modal", "callback_id": "draftgate_edit_modal", "private_metadata": draft_id,
                 "state": {"values": {"text": {"value": {"type": "plain_text_input", "value": "   "}}}}}})
    assert response.json()["response_action"] == "errors"


async def test_a_moderator_retracts_from_the_review_channel(slack):
    await grant_role(slack.core, by=Operator("cli:test"), platform="slack", workspace="T1", user="UMOD",
                     role="moderator", granted=True)
    draft_id = await _drafted(slack)
    await slack.click("draftgate_publish", draft_id)
    await slack.fake.wait_for(lambda: slack.fake.public_posts("CR"))
    [review] = slack.fake.public_posts("CR")
    assert set(_buttons(review)) == {"Retract"}
    await slack.click("draftgate_retract", draft_id, user="U2", channel="CR")  # not a moderator
    await asyncio.sleep(0.3)
    assert slack.fake.called("chat.delete") == []
    await slack.click("draftgate_retract", draft_id, user="UMOD", channel="CR")
    await _status(slack, draft_id, "retracted")
    assert len(slack.fake.called("chat.delete")) == 1
    assert any("retracted by a moderator" in (p.get("text") or "") for p in slack.fake.public_posts())
    await slack.click("draftgate_retract", draft_id, user="UMOD", channel="CR")  # twice: nothing more
    await asyncio.sleep(0.3)
    assert len(slack.fake.called("chat.delete")) == 1


async def test_app_home_lists_open_drafts_with_their_buttons(slack):
    draft_id = await _drafted(slack)
    await slack.event({"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "home"})
    await slack.fake.wait_for(lambda: slack.fake.called("views.publish"))
    home = slack.fake.called("views.publish")[0]
    assert home["user_id"] == "U1" and draft_id in json.dumps(home["view"])


async def test_an_externally_shared_channel_defaults_to_private_only(slack):
    await _drafted(slack, shared=True)
    [ephemeral] = slack.fake.called("chat.postEphemeral")
    assert not any(label.startswith("Publish") for label in _buttons(ephemeral))


async def test_when_an_ephemeral_is_impossible_the_draft_goes_to_a_dm_never_public(slack):
    slack.fake.fail("chat.postEphemeral", error="user_not_in_channel")
    await slack.mention("How do I rotate my SSH key?")
    await slack.fake.wait_for(lambda: slack.fake.called("chat.postMessage"))
    [dm] = slack.fake.called("chat.postMessage")
    assert dm["channel"] == "DU1" and slack.fake.public_posts() == []


async def test_web_api_calls_reuse_one_kept_alive_connection(slack):
    for n in range(3):
        await slack.mention(f"How do I use the VPN? ({n})")
        await slack.fake.wait_for(lambda n=n: len(slack.fake.called("chat.postEphemeral")) == n + 1)
    connections = {call.connection for call in slack.fake.calls if call.method == "chat.postEphemeral"}
    assert len(connections) == 1 and 0 not in connections
