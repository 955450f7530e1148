"""The floor for bench/load.py: a Bolt app that only acknowledges `/digi`, served like ours
(Starlette under uvicorn, signature verification on, process_before_response=True).
Usage: python bench/minimal_bolt.py PORT  (SLACK_SIGNING_SECRET and SLACK_API_URL from the
environment: Bolt asks auth.test once, of the local Web API stand-in)"""

from __future__ import annotations

import os
import sys

import uvicorn
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk import WebClient
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

app = App(
    client=WebClient(token="xoxb-floor", base_url=os.environ["SLACK_API_URL"]),
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    token_verification_enabled=False,
    process_before_response=True,
)


@app.command("/digi")
def digi(ack) -> None:
    ack("ok")


async def events(request: Request) -> Response:
    body = await request.body()
    return to_starlette_response(
        await run_in_threadpool(app.dispatch, to_bolt_request(request, body))
    )


async def health(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


web = Starlette(routes=[Route("/slack/events", events, methods=["POST"]), Route("/health", health)])

if __name__ == "__main__":
    uvicorn.run(web, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
