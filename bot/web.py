"""The one ASGI app: `/health`, Slack's `/slack/events`, Teams' `/api/messages`, the
`/about` and `/privacy` pages the Teams app manifest links to, and Prometheus' `/metrics`."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Literal

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot import pages
from bot.http_body import SLACK_MAX_BODY, read_body
from bot.metrics import CONTENT_TYPE, Metrics
from bot.public import PublicConfig
from bot.public import routes as public_routes
from handlers.messages import Messages

if TYPE_CHECKING:
    from bot.teams.adapter import TeamsBot

log = logging.getLogger(__name__)


def slack_signature_check(secret: str) -> Callable[[bytes, Mapping[str, str]], bool]:
    """Slack's signature over the raw body: timestamp a number within five minutes, HMAC
    matching. Anything unreadable (not UTF-8, a non-ASCII signature) is simply not signed."""
    verifier = SignatureVerifier(secret) if secret.strip() else None
    if verifier is None:
        log.warning("no Slack signing secret: every request to /slack/events is refused")

    def signed(body: bytes, headers: Mapping[str, str]) -> bool:
        if verifier is None:
            return False
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            return False
        if not signature.isascii():
            return False
        try:
            return verifier.is_valid(body.decode("utf-8"), timestamp, signature)
        except UnicodeDecodeError:
            return False

    return signed


class DatabaseProbe:
    """`SELECT 1` on a thread of its own, one probe at a time: a stalled database holds that
    one thread at most (never the server's), and every /health answers within `timeout`."""

    def __init__(self, engine: Engine, timeout: float) -> None:
        self.engine = engine
        self.timeout = timeout
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health")
        self._running: Future[bool] | None = None
        self._lock = threading.Lock()

    def _check(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except OperationalError:  # the engine logs an outage once, not every probe
            return False
        except Exception as failed:  # any failure means: not healthy
            log.warning("health check failed: %s", failed)
            return False

    async def answers(self) -> bool:
        with self._lock:
            if self._running is None or self._running.done():
                self._running = self._thread.submit(self._check)
            running = asyncio.wrap_future(self._running)
        try:
            return await asyncio.wait_for(asyncio.shield(running), self.timeout)
        except TimeoutError:
            return False


def from_this_host(request: Request) -> bool:
    """A request made on this machine, not relayed by a proxy (which says whom it relays)."""
    if "x-forwarded-for" in request.headers or "forwarded" in request.headers:
        return False
    try:
        return request.client is not None and ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:  # not an address (a Unix socket)
        return False


def create_web_app(
    engine: Engine,
    *,
    slack: App | None,
    messages: Messages,
    teams: TeamsBot | None = None,
    privacy_contact: str | None = None,
    slack_signing_secret: str = "",
    health_timeout: float = 2.0,
    metrics: Metrics | None = None,
    metrics_access: Literal["local", "on", "off"] = "local",
    public: PublicConfig | None = None,
) -> Starlette:
    """Every Slack request is checked against `slack_signing_secret` before anything reads
    its payload; without one, every Slack request is refused. `metrics_access` says who may
    read `/metrics` (bot/settings.py, DIGIBOT_METRICS). `public`: the public progress page
    and open data (bot/public), off when None."""
    probe = DatabaseProbe(engine, health_timeout)
    metrics = metrics or Metrics()

    async def health(_: Request) -> Response:
        if await probe.answers():
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "database unavailable"}, status_code=503)

    async def metrics_page(request: Request) -> Response:
        if metrics_access == "local" and not from_this_host(request):
            return PlainTextResponse("/metrics answers this host only (DIGIBOT_METRICS)", 403)
        return Response(metrics.exposition(), media_type=CONTENT_TYPE)

    routes = [Route("/health", health, methods=["GET"])]
    if metrics_access != "off":
        routes.append(Route("/metrics", metrics_page, methods=["GET"]))
    if slack is not None:
        signed_by_slack = slack_signature_check(slack_signing_secret)

        async def slack_events(request: Request) -> Response:
            started = metrics.clock()
            body = await read_body(request, SLACK_MAX_BODY)
            if isinstance(body, Response):
                return body
            if not signed_by_slack(body, request.headers):
                log.warning("Slack request refused: not signed with our signing secret")
                return JSONResponse({"error": "invalid request"}, status_code=401)
            try:
                bolt_request = to_bolt_request(request, body)
            except Exception as malformed:  # signed, yet not a payload Bolt can read
                log.warning("malformed Slack request: %s", type(malformed).__name__)
                return JSONResponse({"error": "malformed request"}, status_code=400)
            try:
                response = await run_in_threadpool(slack.dispatch, bolt_request)
            except Exception:
                log.exception("Slack request failed")
                response = None
            metrics.slack_ack_seconds.observe(metrics.clock() - started)
            if response is None or response.status >= 500:
                # Never a 5xx to Slack: the user gets a message that nothing was saved.
                content = json.dumps(
                    {"response_type": "ephemeral", "text": messages("internal.error")}
                )
                return Response(content, media_type="application/json")
            return to_starlette_response(response)

        routes.append(Route("/slack/events", slack_events, methods=["POST"]))
    if teams is not None:
        routes.append(teams.route())
    routes += pages.routes(messages.language, privacy_contact=privacy_contact)
    if public is not None:
        routes += public_routes(engine, messages.language, public)
    app = Starlette(routes=routes)
    if teams is not None:  # what the per-route JWT check validates tokens against
        app.state.agent_configuration = teams.auth_config
    return app
