"""The Slack baseline: a bare slack-bolt async app that acks each mention and posts one fixed
ephemeral — on the same server stack (FastAPI + uvicorn) as draftgate."""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def main() -> None:
    port, api_url, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    bolt = AsyncApp(client=AsyncWebClient(token="xoxb-bench", base_url=api_url), signing_secret=secret)

    @bolt.event("app_mention")
    async def mention(event: dict, client: AsyncWebClient) -> None:
        await client.chat_postEphemeral(channel=event["channel"], user=event["user"],
                                        text=f"fixed answer to: {event['text']}")

    handler = AsyncSlackRequestHandler(bolt)
    api = FastAPI()

    @api.post("/slack/events")
    async def events(request: Request) -> Response:
        return await handler.handle(request)

    @api.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    uvicorn.run(api, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
