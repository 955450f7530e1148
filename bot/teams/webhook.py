"""The summary into Teams without a bot: Adaptive Cards POSTed to a Teams Workflows webhook
("Post to a channel when a webhook request is received"), no Azure bot or app approval.

Each request is one message, `{"type": "message", "attachments": [<one card>]}`, kept under
Microsoft's documented 28 KB a message (docs/teams-webhook.md cites the sources). A webhook
answers 202 with no id and cannot read the channel back, so every card is its own post in
the channel (no thread), and `find` cannot tell whether a card whose answer was lost arrived.
429 and 5xx (and a lost connection) are retried, after what `Retry-After` says, a bounded
number of times; any other refusal is final. The URL carries its own authorisation (`sig=`):
it is never logged whole."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.teams import cards
from handlers.messages import Messages
from handlers.replies import Heading, Hint, Reply
from handlers.summary.post import Undeliverable

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 28_000
"""Bytes a webhook message may hold: "The message size limit is 28 KB" (Microsoft Learn,
Create Incoming Webhooks; the Teams connector's known limits say "about 28 KB")."""
BUDGET = 24_000
"""What each request is kept under (the flow wraps the card before Teams counts it)."""
ATTEMPTS = 5
"""Tries a card gets through 429s and server errors; their waits stay well inside the
summary's claim (DIGIBOT_CLAIM_TIMEOUT, 300 s), so no other process takes the run over."""
LONGEST_WAIT = 30.0
"""Seconds at most between two tries, whatever `Retry-After` asks."""
TIMEOUT = httpx.Timeout(15.0, connect=5.0)


def redact(url: str) -> str:
    """The URL as a log may show it: scheme and host, never the path or the signature."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…"


class _Redact(logging.Filter):
    """httpx logs each request's URL at INFO: show it without its secret part."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url, self.shown = url, redact(url)

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(self.url in str(a) for a in record.args):
            record.args = tuple(
                self.shown if self.url in str(a) else a for a in record.args
            )  # fmt: skip
        return True


class WebhookPublisher:
    """The summary as cards posted one by one to a Teams Workflows webhook."""

    platform = "teams"
    channel = "teams-webhook"
    """How the summary's run names this channel: one webhook, whatever its URL (a new URL
    for the same channel, as when a flow is recreated, must not post the period again)."""
    chart_dpi = 60  # as the bot's card chart; embedded only if the message stays in BUDGET

    def __init__(
        self,
        url: str,
        messages: Messages,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url
        self.t = messages
        self.client = client or httpx.Client(timeout=TIMEOUT)
        self.sleep = sleep
        httpx_log = logging.getLogger("httpx")
        if not any(isinstance(f, _Redact) and f.url == url for f in httpx_log.filters):
            httpx_log.addFilter(_Redact(url))

    def render(self, part: Reply) -> list[dict[str, Any]]:
        return [m for card in cards.render_cards(part) for m in _within_budget(card)]

    def post(self, message: dict[str, Any], *, thread: str | None, key: str) -> str:
        self._send(message)
        return f"webhook:{key}"  # the webhook gives no id: the key names the post

    def find(self, key: str, *, thread: str | None) -> str | None:
        return None  # a webhook cannot read the channel back: a card in flight may repeat

    def upload_chart(self, png: bytes, *, title: str, thread: str | None, key: str) -> str:
        message = cards.activity(cards.chart_card(png, title))
        if _size(message) > BUDGET:  # Workflows cards cannot carry files: omit, and say so
            log.info("the chart (%d bytes) does not fit in a webhook message: left out", len(png))
            note = Reply((Heading(title, 2), Hint(self.t("summary.chart_omitted"))))
            [message] = self.render(note)
        return self.post(message, thread=thread, key=key)

    def _send(self, message: dict[str, Any]) -> None:
        body = _encode(message)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = self.client.post(
                    self.url, content=body, headers={"Content-Type": "application/json"}
                )
            except httpx.TransportError as lost:
                problem, wait = f"no answer ({type(lost).__name__})", None
            else:
                status = response.status_code
                if status < 300:
                    return
                problem = f"{status} {response.reason_phrase}".strip()
                if status != 429 and status < 500:
                    raise Undeliverable(
                        f"the Teams webhook {redact(self.url)} refused a card: {problem}"
                        f"{_detail(response, self.url)}"
                    )
                wait = _retry_after(response)
            if attempt == ATTEMPTS:
                break
            wait = min(LONGEST_WAIT, 2.0 ** (attempt - 1) if wait is None else wait)
            log.warning(
                "the Teams webhook %s answered %s: trying again in %g s (try %d of %d)",
                redact(self.url), problem, wait, attempt + 1, ATTEMPTS,
            )  # fmt: skip
            self.sleep(wait)
        raise Undeliverable(
            f"the Teams webhook {redact(self.url)} answered {problem} {ATTEMPTS} times"
        )


def _encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()


def _size(message: dict[str, Any]) -> int:
    return len(_encode(message))


def _within_budget(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The card as one message, or its body halved until each half fits (the cards' own
    split counts elements only; this counts the whole request)."""
    message = cards.activity(content)
    body = content["body"]
    if _size(message) <= BUDGET or len(body) < 2:
        return [message]
    half = len(body) // 2
    first = {**content, "body": body[:half]}
    rest = {k: v for k, v in content.items() if k != "fallbackText"} | {"body": body[half:]}
    return _within_budget(first) + _within_budget(rest)


def _retry_after(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds; None if absent or a date (then the backoff decides)."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def _detail(response: httpx.Response, url: str) -> str:
    """The first words of the refusal (Power Automate says why in JSON), for the log."""
    text = " ".join(response.text.replace(url, redact(url)).split())[:200]
    return f": {text}" if text else ""
