"""A local stand-in for a Teams Workflows webhook ("Post to a channel when a webhook request
is received"): it answers as the flow's trigger does — 202 Accepted with no body for a
message it takes, 401 without the URL's signature, 413 over the documented 28 KB, 400 for
what is not a message of Adaptive Cards — and can be told to fail, as Power Automate does
under load (429 with Retry-After) or in trouble (5xx)."""

from __future__ import annotations

import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CARD = "application/vnd.microsoft.card.adaptive"
PATH = "/workflows/0a1b2c3d/triggers/manual/paths/invoke"
SIGNATURE = "s3cr3t-SIGNATURE-do-not-log"
LIMIT = 28_000


class WebhookStandIn:
    def __init__(self) -> None:
        self.accepted: list[dict[str, Any]] = []
        """Messages taken, in order: what the channel shows."""
        self.requests: list[tuple[int, int]] = []
        """(status answered, bytes received) of every request."""
        self._failures: deque[tuple[int, int, dict[str, str]]] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}{PATH}?api-version=1&sp=%2Ftriggers&sig={SIGNATURE}"

    def __enter__(self) -> WebhookStandIn:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail(self, *statuses: int, after: int = 0, retry_after: str | None = None) -> None:
        """Answer the next requests with `statuses`, once `after` more messages are taken."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        with self._lock:
            at = len(self.accepted) + after
            self._failures.extend((at, status, headers) for status in statuses)

    def cards(self) -> list[dict[str, Any]]:
        return [m["attachments"][0]["content"] for m in self.accepted]

    def _answer(self, raw: bytes, query: dict[str, list[str]]) -> tuple[int, dict[str, str]]:
        if query.get("sig") != [SIGNATURE]:
            return 401, {}
        with self._lock:
            if self._failures and len(self.accepted) >= self._failures[0][0]:
                _, status, headers = self._failures.popleft()
                return status, headers
        if len(raw) > LIMIT:
            return 413, {}
        try:
            message = json.loads(raw)
            ok = message["type"] == "message" and all(
                a["contentType"] == CARD and a["content"]["type"] == "AdaptiveCard"
                for a in message["attachments"]
            )
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            return 400, {}
        with self._lock:
            self.accepted.append(message)
        return 202, {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: object) -> None:
                pass

            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if parts.path != PATH:
                    status, headers = 404, {}
                else:
                    status, headers = standin._answer(raw, parse_qs(parts.query))
                with standin._lock:
                    standin.requests.append((status, len(raw)))
                body = b"" if status == 202 else json.dumps(
                    {"error": {"code": f"Status{status}", "message": "refused by the stand-in"}}
                ).encode()  # fmt: skip
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
