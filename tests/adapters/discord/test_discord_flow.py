"""Discord: discord.py's real command tree, views and parsers against SimCord."""

from __future__ import annotations

from sqlalchemy import func, select

from adapters.discord.render import ZWSP
from bot.services import Operator, set_rule
from bot.store.models import AuditEvent, DraftRow


async def _draft(world, who=None, question="How do I rotate my SSH key?"):
    who = who or world.alice
    await who.slash(world.general, "ask", question=question)
    return await world.until(lambda: world.drafts_for(who))


def _labels(message) -> list[str]:
    return [c.label for row in message.components for c in row.children]


async def test_ask_gives_an_ephemeral_labelled_draft_with_buttons(world):
    [draft] = await _draft(world)
    assert draft.flags.ephemeral
    assert "AI-generated draft" in draft.embeds[0].footer.text and "only visible to you" in draft.embeds[0].footer.text
    assert _labels(draft) == ["Publish to #general", "Edit", "Discard"]
    assert world.drafts_for(world.bob) == []


async def test_the_requester_publishes_once_with_label_and_no_mentions(world):
    world.runtime.core.drafter.text = "Ping @everyone and <@123> and <@&456>, see https://evil.example"
    [draft] = await _draft(world)
    await world.alice.click(draft, label="Publish to #general")
    [answer] = await world.until(world.public)
    assert "@everyone" not in answer.content and f"@{ZWSP}everyone" in answer.content
    assert "<@123>" not in answer.content and "<@&456>" not in answer.content
    assert "<https://evil.example>" in answer.content
    assert "confirmed by alice" in answer.embeds[0].footer.text and "may be inaccurate" in answer.embeds[0].footer.text
    [draft] = world.drafts_for(world.alice)  # replaced by "Published." without a Publish button
    assert not any(label.startswith("Publish") for label in _labels(draft))
    assert len(world.public()) == 1


async def test_another_members_click_is_refused_privately_and_audited(world):
    import discord

    from adapters.discord.buttons import DraftButton

    [draft] = await _draft(world)
    draft_id = draft.components[0].children[0].custom_id.split(":")[-1]
    # Bob cannot see Alice's ephemeral; he presses a copy of her button that ended up in public.
    forged = discord.ui.View(timeout=None)
    forged.add_item(DraftButton("publish", draft_id, label="Publish"))
    channel = world.env.bot.get_channel(world.general.id)
    await channel.send("copied button", view=forged)
    await world.env.settle()
    copy = [m for m in world.general.history() if m.content == "copied button"][0]
    await world.bob.click(copy, label="Publish")
    refusal = await world.until(lambda: [m for m in world.general.history(viewer=world.bob)
                                         if m.flags.ephemeral and "Only the person who asked" in m.content])
    assert refusal and [m for m in world.public() if m.embeds] == []
    async with world.runtime.core.uow() as uow:
        refused = (await uow.session.execute(select(func.count()).select_from(AuditEvent)
                                             .where(AuditEvent.action == "publish.refused"))).scalar_one()
    assert refused == 1


async def test_buttons_still_work_after_a_restart(world):
    [draft] = await _draft(world)
    await world.env.restart_bot()
    await world.alice.click(draft, label="Publish to #general")
    await world.until(world.public)
    assert len(world.public()) == 1


async def test_a_private_only_channel_offers_no_publish(world):
    await set_rule(world.runtime.core, by=Operator("cli:test"), platform="discord", workspace=str(world.guild.id),
                   channel=str(world.general.id), mode="private-only")
    [draft] = await _draft(world)
    assert not any(label.startswith("Publish") for label in _labels(draft))


async def test_a_failed_publish_is_retryable_and_not_doubled(world):
    [draft] = await _draft(world)
    world.env.inject_error("POST", "/channels/*/messages", status=500)
    await world.alice.click(draft, label="Publish to #general")
    async def status():
        async with world.runtime.core.uow() as uow:
            return (await uow.session.execute(select(DraftRow.status))).scalar_one()
    for _ in range(200):
        if await status() == "publish_failed":
            break
        await world.env.settle()
    assert await status() == "publish_failed"
    [draft] = world.drafts_for(world.alice)
    await world.alice.click(draft, label="Publish to #general")
    await world.until(world.public)
    assert len(world.public()) == 1


async def test_a_mention_is_answered_by_dm_never_in_public(world):
    await world.alice.send(world.general, f"{world.env.bot.user.mention} how do I rotate my SSH key?")
    dm = await world.until(lambda: world.alice.user.dm_channel.history())
    assert dm[-1].embeds and "AI-generated draft" in dm[-1].embeds[0].footer.text
    assert world.public() == []


async def test_moderated_channel_goes_to_the_review_channel_and_a_moderator_approves(world):
    await set_rule(world.runtime.core, by=Operator("cli:test"), platform="discord", workspace=str(world.guild.id),
                   channel=str(world.general.id), mode="moderated")
    [draft] = await _draft(world)
    await world.alice.click(draft, label="Send for approval")
    [review] = await world.until(lambda: [m for m in world.review.history() if m.components])
    assert world.public() == []
    await world.mod.click(review, label="Approve")
    [answer] = await world.until(world.public)
    assert "approved by mod" in answer.embeds[0].footer.text


async def test_a_long_answer_is_split_not_truncated_and_each_part_is_labelled(world):
    world.runtime.core.drafter.text = ("word " * 900).strip()  # 4,499 characters
    [draft] = await _draft(world)
    assert [a.filename for a in draft.attachments] == ["draft.txt"]  # the requester can read all of it
    await world.alice.click(draft, label="Publish to #general")
    parts = await world.until(lambda: world.public() if len(world.public()) >= 3 else None)
    assert "".join(p.content.replace(" ", "") for p in parts) == "word" * 900
    assert all(len(p.content) <= 2000 and "AI-generated answer" in p.embeds[0].footer.text for p in parts)
