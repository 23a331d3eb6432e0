"""Services: plain async functions over a unit of work. The publish gate lives in `publishing`."""

from bot.services.admin import add_kb_files, grant_role, set_rule
from bot.services.asking import AskOutcome, ask
from bot.services.context import Actor, BadInput, Core, DraftgateError, Forbidden, NotFound, Operator, Refused, Where
from bot.services.moderation import mark_reviewed, reject_draft, retract_answer
from bot.services.private import deliver, refresh_private
from bot.services.publishing import PublishOutcome, approve_draft, confirm_draft, reconcile_publishing
from bot.services.requester import discard_draft, edit_draft, expire_due

__all__ = [
    "Actor", "AskOutcome", "BadInput", "Core", "DraftgateError", "Forbidden", "NotFound", "Operator",
    "PublishOutcome", "Refused", "Where", "add_kb_files", "approve_draft", "ask", "confirm_draft",
    "deliver", "discard_draft", "edit_draft", "expire_due", "grant_role", "mark_reviewed",
    "reconcile_publishing", "refresh_private", "reject_draft", "retract_answer", "set_rule",
]
