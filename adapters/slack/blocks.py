"""Block Kit for drafts, published answers and the review channel. Untrusted text is escaped."""

from __future__ import annotations

from typing import Any

from adapters.slack.escape import escape
from bot.domain.labels import Citation, LabelledAnswer
from bot.ports import PrivateDraftView

__all__ = [
    "PUBLISH", "EDIT", "DISCARD", "APPROVE", "REJECT", "RETRACT", "EDIT_MODAL",
    "answer_blocks", "draft_blocks", "home_view", "note_blocks", "review_blocks", "edit_modal",
]

PUBLISH, EDIT, DISCARD = "draftgate_publish", "draftgate_edit", "draftgate_discard"
APPROVE, REJECT, RETRACT = "draftgate_approve", "draftgate_reject", "draftgate_retract"
EDIT_MODAL = "draftgate_edit_modal"
SECTION_LIMIT = 2900  # Slack allows 3000 characters in a section's text


def _text(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _sections(body: str) -> list[dict[str, Any]]:
    escaped = escape(body) or " "
    chunks = [escaped[i:i + SECTION_LIMIT] for i in range(0, len(escaped), SECTION_LIMIT)]
    return [{"type": "section", "text": _text(chunk)} for chunk in chunks]


def _sources(citations: tuple[Citation, ...]) -> list[dict[str, Any]]:
    if not citations:
        return []
    lines = "\n".join(escape(c.describe()) for c in citations)
    return [{"type": "context", "elements": [_text(f"*Sources*\n{lines}")]}]


def _button(label: str, action_id: str, draft_id: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "text": {"type": "plain_text", "text": label[:75]},
                              "action_id": action_id, "value": draft_id}
    if style:
        button["style"] = style
    return button


def draft_blocks(view: PrivateDraftView, channel_label: str) -> list[dict[str, Any]]:
    """The requester's private draft; `channel_label` is the channel's name, e.g. "#general"."""
    blocks: list[dict[str, Any]] = []
    if view.question:
        blocks.append({"type": "context", "elements": [_text(f"*You asked:* {escape(view.question[:500])}")]})
    blocks += _sections(view.text)
    blocks += _sources(view.citations)
    blocks.append({"type": "context", "elements": [_text(escape(view.label))]})
    if view.note:
        blocks.append({"type": "context", "elements": [_text(escape(view.note))]})
    if view.permalink:
        blocks.append({"type": "context", "elements": [_text(f"<{view.permalink}|View the published answer>")]})
    buttons = []
    if view.can_publish:
        label = "Send for approval" if view.mode.value == "moderated" else f"Publish to {channel_label}"
        buttons.append(_button(label, PUBLISH, view.draft_id, "primary"))
    if view.status == "drafted":
        buttons.append(_button("Edit", EDIT, view.draft_id))
    if view.status in ("drafted", "awaiting_approval", "publish_failed"):
        buttons.append(_button("Discard", DISCARD, view.draft_id, "danger"))
    if buttons:
        blocks.append({"type": "actions", "block_id": f"draft_{view.draft_id}", "elements": buttons})
    return blocks


def answer_blocks(answer: LabelledAnswer) -> list[dict[str, Any]]:
    return [*_sections(answer.text), *_sources(answer.citations),
            {"type": "context", "elements": [_text(escape(answer.label))]}]


def note_blocks(text: str) -> list[dict[str, Any]]:
    return [{"type": "context", "elements": [_text(escape(text))]}]


def review_blocks(*, title: str, question: str, text: str, draft_id: str, actions: list[str]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": _text(title)},
        {"type": "context", "elements": [_text(f"*Question:* {escape(question[:1000])}")]},
        *_sections(text),
    ]
    labels = {APPROVE: ("Approve", "primary"), REJECT: ("Reject", "danger"), RETRACT: ("Retract", "danger")}
    if actions:
        blocks.append({"type": "actions", "block_id": f"review_{draft_id}",
                       "elements": [_button(labels[a][0], a, draft_id, labels[a][1]) for a in actions]})
    return blocks


def home_view(views: list[tuple[PrivateDraftView, str]]) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Your open drafts"}},
        {"type": "context", "elements": [_text("Only you see this page. Drafts are AI-generated and may be wrong.")]},
    ]
    if not views:
        blocks.append({"type": "section", "text": _text("You have no open drafts. Mention me or use `/ask` to ask.")})
    for view, label in views:
        blocks.append({"type": "divider"})
        blocks.append({"type": "context", "elements": [_text(f"In {escape(label)}")]})
        blocks += draft_blocks(view, label)
    return {"type": "home", "blocks": blocks[:100]}


def edit_modal(view: PrivateDraftView) -> dict[str, Any]:
    return {
        "type": "modal", "callback_id": EDIT_MODAL, "private_metadata": view.draft_id,
        "title": {"type": "plain_text", "text": "Edit draft"},
        "submit": {"type": "plain_text", "text": "Save"}, "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "context", "elements": [_text("Once edited, the published answer says you edited it.")]},
            {"type": "input", "block_id": "text", "label": {"type": "plain_text", "text": "Answer"},
             "element": {"type": "plain_text_input", "action_id": "value", "multiline": True,
                         "initial_value": view.text[:3000], "max_length": 3000}},
        ],
    }
