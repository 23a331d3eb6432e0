"""The domain: transition table, rule decisions, labels, untrusted text, settings."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.domain.drafts import TRANSITIONS, Action, DraftStatus, InvalidTransition, next_status
from bot.domain.labels import LabelledAnswer, NotConfirmed
from bot.domain.rules import ChannelMode, ChannelRule, RuleDecision, decide
from bot.domain.text import TextTooLong, clean_text, content_hash, redact_secrets
from bot.services.asking import new_draft_id
from bot.services.drafts_view import DRAFT_ID
from bot.store.kb_index import query_terms

TERMINAL = {DraftStatus.FAILED, DraftStatus.DISCARDED, DraftStatus.EXPIRED, DraftStatus.DENIED,
            DraftStatus.REJECTED, DraftStatus.RETRACTED}


def test_every_pair_outside_the_table_is_an_invalid_transition():
    for status in DraftStatus:
        for action in Action:
            if (status, action) in TRANSITIONS:
                assert next_status(status, action) == TRANSITIONS[(status, action)]
            else:
                with pytest.raises(InvalidTransition):
                    next_status(status, action)


def test_terminal_states_have_no_way_out_and_only_a_claim_reaches_publishing():
    assert not any(status in TERMINAL for status, _ in TRANSITIONS)
    assert [key for key, after in TRANSITIONS.items() if after is DraftStatus.PUBLISHING] == [
        (DraftStatus.CONFIRMED, Action.CLAIM)]


@pytest.mark.parametrize(("mode", "approved", "decision"), [
    (ChannelMode.OFF, True, RuleDecision.DENY), (ChannelMode.PRIVATE_ONLY, True, RuleDecision.DENY),
    (ChannelMode.CONFIRM, False, RuleDecision.PUBLISH), (ChannelMode.MODERATED, False, RuleDecision.NEEDS_APPROVAL),
    (ChannelMode.MODERATED, True, RuleDecision.PUBLISH)])
def test_rule_decisions(mode, approved, decision):
    assert decide(ChannelRule("p", "w", "c", mode, 1, "rule"), approved=approved) is decision


def _answer(**overrides):
    fields = dict(draft_id="d", status="publishing", platform="p", workspace="w", channel="c", thread=None,
                  text="hello", citations=(), confirmed_by="Alice", confirmed_hash=content_hash("hello"),
                  edited=False, approved_by=None, nonce="n")
    return LabelledAnswer.from_confirmed(**{**fields, **overrides})


def test_a_labelled_answer_needs_a_claimed_confirmed_draft_with_the_confirmed_text():
    answer = _answer()
    assert answer.label == "AI-generated answer · confirmed by Alice · may be inaccurate"
    with pytest.raises(NotConfirmed):
        _answer(status="drafted")
    with pytest.raises(NotConfirmed):
        _answer(confirmed_by=None)
    with pytest.raises(NotConfirmed):
        _answer(text="something else")
    with pytest.raises(NotConfirmed):
        LabelledAnswer(draft_id="d", platform="p", workspace="w", channel="c", thread=None, text="x", citations=(),
                       label="AI-generated", confirmed_by="A", content_hash=content_hash("x"), nonce="n")


def test_clean_text_removes_invisible_characters_and_bounds_size():
    assert clean_text("  a\u200bb\u202ec\x00d  ", limit=10) == "abcd"
    with pytest.raises(TextTooLong):
        clean_text("x" * 11, limit=10)


@pytest.mark.parametrize("secret", ["AKIAABCDEFGHIJKLMNOP", "xoxb-1234567890-abcdefghij", "ghp_" + "a" * 36,
                                    "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----",
                                    "password: hunter2hunter2"])
def test_secrets_are_redacted_and_recorded_by_kind_and_hash_only(secret):
    redacted, found = redact_secrets(f"my key is {secret} ok")
    assert secret not in redacted and "[redacted" in redacted
    assert found and all(secret not in str(f.as_record()) for f in found)


def test_query_terms_cannot_carry_search_syntax():
    terms = query_terms('"vpn" NEAR(a b) title:* OR -x ^y')
    assert all(term.isalnum() for term in terms)


def test_a_wrong_setting_is_one_line_naming_the_variable(monkeypatch):
    monkeypatch.setenv("DRAFTGATE_DRAFT_LIFETIME_MINUTES", "soon")
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert str(error.value).startswith("DRAFTGATE_DRAFT_LIFETIME_MINUTES:") and "\n" not in str(error.value)


def test_database_urls_choose_the_async_driver(monkeypatch):
    assert load_settings(database_url="sqlite:///x.db").async_database_url == "sqlite+aiosqlite:///x.db"
    assert load_settings(database_url="postgresql://u@h/db").async_database_url == "postgresql+asyncpg://u@h/db"
    monkeypatch.setenv("DRAFTGATE_DATABASE_URL", "mysql://x")
    with pytest.raises(ConfigError, match="DRAFTGATE_DATABASE_URL"):
        load_settings()


def test_draft_ids_are_unguessable_and_never_start_like_a_spreadsheet_formula():
    ids = [new_draft_id() for _ in range(2000)]  # about 1 in 32 raw tokens starts with "-" or "_"
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 20 and DRAFT_ID.fullmatch(i) and i[0].isalnum() for i in ids)
