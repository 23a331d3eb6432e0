"""Bad input to the console changes nothing and never gets a server error: NUL and control
characters (PostgreSQL refuses NUL in text), very long values, unknown ids, wrong methods."""

from __future__ import annotations

from urllib.parse import quote

import pytest

NASTY = ["\x00", "a\x00b", "x" * 5000, "<script>alert(1)</script>", "../../etc/passwd", "‮evil", "%00", "😀" * 50]


@pytest.mark.parametrize("value", NASTY)
async def test_console_forms_and_filters_survive_nasty_values(console, browserless, value):
    await console.account("dave", "admin")
    draft_id = await console.published()
    dave = await browserless("dave")
    await dave.get("/console/queue")
    segment = quote(value[:100], safe="")
    responses = [
        await dave.http.get("/console/queue", params={"platform": value, "channel": value, "requester": value,
                                                     "status": value, "since": value, "page": value}),
        await dave.http.get("/console/audit", params={"actor": value, "action": value, "draft": value,
                                                     "channel": value, "platform": value, "until": value}),
        await dave.http.get("/console/rules/history", params={"platform": value, "workspace": value, "channel": value}),
        await dave.http.get("/console/overview", params={"days": value}),
        await dave.http.get(f"/console/answers/{segment}"),
        await dave.http.get(f"/console/accounts/{segment}"),
        await dave.post("/console/rules", platform=value, workspace=value, channel=value, mode=value),
        await dave.post("/console/roles", platform=value, workspace=value, user=value, role=value),
        await dave.post("/console/accounts", username=value, display_name=value, role="moderator", password=value),
        await dave.post("/console/accounts/dave/link", platform=value, workspace=value, user_id=value),
        await dave.post("/console/accounts/dave/token", name=value, days=value),
        await dave.post(f"/console/answers/{draft_id}/review", note=value),
        await dave.post(f"/console/answers/{segment}/retract", reason=value),
        await dave.post(f"/console/drafts/{segment}/approve"),
        await dave.post("/console/signin", username=value, password=value),
    ]
    assert [r.status_code for r in responses if r.status_code >= 500] == []
    assert console.platform.live_posts(draft_id)  # still published
    assert (await dave.get("/console/queue")).status_code == 200  # still signed in, still working
