"""Make untrusted text inert in Slack: no mentions, no broadcasts, no links."""

from __future__ import annotations

__all__ = ["escape"]


def escape(text: str) -> str:
    """Slack's three control characters. `<!channel>`, `<@U1>`, `<!subteam^S1>` and `<url|label>`
    all need `<`; escaped, they show as text. Sent with `verbatim` and `parse="none"`, nothing is
    auto-linked either."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
