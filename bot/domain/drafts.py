"""The draft state machine: one transition table, no public status setter."""

from __future__ import annotations

import enum

__all__ = ["Action", "DraftStatus", "InvalidTransition", "OPEN_STATUSES", "next_status"]


class DraftStatus(str, enum.Enum):
    REQUESTED = "requested"
    DRAFTED = "drafted"
    FAILED = "failed"
    DISCARDED = "discarded"
    EXPIRED = "expired"
    DENIED = "denied"
    AWAITING_APPROVAL = "awaiting_approval"
    REJECTED = "rejected"
    CONFIRMED = "confirmed"
    PUBLISHING = "publishing"
    PUBLISH_FAILED = "publish_failed"
    PUBLISHED = "published"
    RETRACTED = "retracted"


class Action(str, enum.Enum):
    DRAFT = "draft"
    FAIL = "fail"
    EDIT = "edit"
    DISCARD = "discard"
    EXPIRE = "expire"
    DENY = "deny"
    REQUEST_APPROVAL = "request_approval"
    APPROVE = "approve"
    REJECT = "reject"
    CONFIRM = "confirm"
    CLAIM = "claim"
    POSTED = "posted"
    POST_FAILED = "post_failed"
    RETRACT = "retract"


S, A = DraftStatus, Action

TRANSITIONS: dict[tuple[DraftStatus, Action], DraftStatus] = {
    (S.REQUESTED, A.DRAFT): S.DRAFTED,
    (S.REQUESTED, A.FAIL): S.FAILED,
    (S.DRAFTED, A.EDIT): S.DRAFTED,
    (S.DRAFTED, A.DISCARD): S.DISCARDED,
    (S.DRAFTED, A.EXPIRE): S.EXPIRED,
    (S.DRAFTED, A.DENY): S.DENIED,
    (S.DRAFTED, A.CONFIRM): S.CONFIRMED,
    (S.DRAFTED, A.REQUEST_APPROVAL): S.AWAITING_APPROVAL,
    (S.AWAITING_APPROVAL, A.APPROVE): S.CONFIRMED,
    (S.AWAITING_APPROVAL, A.REJECT): S.REJECTED,
    (S.AWAITING_APPROVAL, A.DISCARD): S.DISCARDED,
    (S.AWAITING_APPROVAL, A.EXPIRE): S.EXPIRED,
    (S.AWAITING_APPROVAL, A.DENY): S.DENIED,
    (S.CONFIRMED, A.CLAIM): S.PUBLISHING,
    (S.CONFIRMED, A.DENY): S.DENIED,
    (S.PUBLISHING, A.POSTED): S.PUBLISHED,
    (S.PUBLISHING, A.POST_FAILED): S.PUBLISH_FAILED,
    (S.PUBLISH_FAILED, A.CONFIRM): S.CONFIRMED,
    (S.PUBLISH_FAILED, A.DISCARD): S.DISCARDED,
    (S.PUBLISH_FAILED, A.DENY): S.DENIED,
    (S.PUBLISHED, A.RETRACT): S.RETRACTED,
}

OPEN_STATUSES = frozenset({S.DRAFTED, S.AWAITING_APPROVAL, S.PUBLISH_FAILED})


class InvalidTransition(Exception):
    def __init__(self, status: DraftStatus, action: Action) -> None:
        super().__init__(f"cannot {action.value} a draft that is {status.value}")
        self.status = status
        self.action = action


def next_status(status: DraftStatus, action: Action) -> DraftStatus:
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise InvalidTransition(status, action) from None
