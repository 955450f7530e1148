"""A local stand-in for Slack: a Web API that answers like Slack's and records what it got,
a `response_url` sink, and requests signed exactly as Slack signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from tests import blockkit

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
RESPONSE_URL_POSTS = 5


def sign(body: str, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Slack's signing: HMAC-SHA256 of `v0:{timestamp}:{body}`, hex, prefixed `v0=`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


class SlackStandIn:
    """Answers `POST /api/<method>` and `POST /response/<n>`; `fail(method, status)` makes the
    next call of a method fail once, as Slack does under load."""

    def __init__(self, users: dict[str, str], locales: dict[str, str] | None = None) -> None:
        self.users = users
        self.locales = locales or {}
        """user id → the locale users.info tells with include_locale (e.g. sv-SE)."""
        self.deleted: set[str] = set()
        """Deactivated users: users.info and users.lookupByEmail say `deleted`, as Slack does."""
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.responses: list[dict[str, Any]] = []
        self.uploads: dict[str, bytes] = {}
        self.filenames: dict[str, str] = {}
        self.response_posts: dict[str, int] = defaultdict(int)
        """Posts to each response_url: Slack takes 5 (in 30 minutes), then answers 404."""
        self.refusals: dict[tuple[str, str | None], str] = {}
        """(method, channel) → the error Slack answers with, e.g. a user who takes no DMs."""
        self.delays: dict[str, float] = {}
        self.messages: list[dict[str, Any]] = []
        self.failures: dict[str, list[list[Any]]] = defaultdict(list)
        self.invalid: list[str] = []
        """Payloads that break Block Kit (tests/blockkit.py): the stand-in fails the test."""
        self.holds: dict[str, int] = {}
        self.holding = threading.Event()
        self._released = threading.Event()
        self._ts = count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> SlackStandIn:
        self._thread.start()
        return self

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        if error is None and self.invalid:
            raise AssertionError("the bot sent invalid Block Kit:\n" + "\n".join(self.invalid))

    def fail(
        self, method: str, status: int, retry_after: int | None = None, after: int = 0
    ) -> None:
        """Fail one call of `method` with `status`, after `after` more calls succeed."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.failures[method].append([after, status, headers])

    def hold(self, method: str, after: int = 0) -> None:
        """Leave one call of `method`, after `after` more calls succeed, unanswered (and
        unrecorded) until `release()`: a caller can be stopped mid-way, at a known point."""
        self.holds[method] = after

    def release(self) -> None:
        self._released.set()

    def called(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [payload for name, payload in self.calls if name == method]

    def wait_for(self, method: str, n: int = 1, timeout: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(found := self.called(method)) >= n:
                return found
            time.sleep(0.02)
        raise AssertionError(f"{method} called {len(self.called(method))} times, wanted {n}")

    def wait_for_response(self, n: int = 1, timeout: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.responses) >= n:
                    return list(self.responses)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.responses)} response_url posts, wanted {n}")

    def wait_for_text(self, text: str, timeout: float = 20) -> dict[str, Any]:
        """The first response_url post that says `text`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for response in self.responses:
                    if text in json.dumps(response, ensure_ascii=False):
                        return response
            time.sleep(0.02)
        raise AssertionError(f"no response said {text!r}: {self.responses}")

    def _held(self, method: str) -> bool:
        with self._lock:
            if method not in self.holds:
                return False
            if self.holds[method] > 0:
                self.holds[method] -= 1
                return False
            del self.holds[method]
        self.holding.set()
        return True

    def _answer(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        if method == "users.info":
            email = self.users.get(payload.get("user", ""))
            if email is None:
                return {"ok": False, "error": "user_not_found"}
            user = {"id": payload["user"], "profile": {"email": email}}
            if str(payload.get("include_locale")).lower() in ("true", "1"):
                user["locale"] = self.locales.get(payload["user"])
            return {"ok": True, "user": {**user, "deleted": payload["user"] in self.deleted}}
        if method in ("views.open", "views.publish", "views.update"):
            view = payload.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            return {"ok": True, "view": {"id": f"V{next(self._ts)}", **(view or {})}}
        if method == "users.lookupByEmail":
            wanted = payload.get("email", "").lower()
            for user_id, email in self.users.items():
                if email.lower() == wanted:
                    user = {"id": user_id, "profile": {"email": email}}
                    return {"ok": True, "user": {**user, "deleted": user_id in self.deleted}}
            return {"ok": False, "error": "users_not_found"}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts)}"
            with self._lock:
                self.filenames[file_id] = payload.get("filename", "")
            return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = payload.get("files")
            files = json.loads(files) if isinstance(files, str) else files
            shared = [
                {"id": f["id"], "title": f.get("title"), "name": self.filenames.get(f["id"])}
                for f in files
            ]
            if payload.get("channel_id"):  # shared: a message with the files, as Slack shows it
                with self._lock:
                    self.messages.append(
                        {"channel": payload["channel_id"], "ts": f"{next(self._ts)}.0001",
                         "thread_ts": payload.get("thread_ts"), "files": shared}
                    )  # fmt: skip
            return {"ok": True, "files": shared}
        if method == "chat.postMessage":
            ts = f"{next(self._ts)}.0001"
            metadata = payload.get("metadata")
            metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
            with self._lock:
                channel, thread = payload.get("channel"), payload.get("thread_ts")
                self.messages.append(
                    {"channel": channel, "ts": ts, "thread_ts": thread, "metadata": metadata}
                )
            return {"ok": True, "channel": payload.get("channel"), "ts": ts}
        if method in ("conversations.history", "conversations.replies"):
            with self._lock:
                found = [
                    m for m in self.messages
                    if m["channel"] == payload.get("channel")
                    and (m["thread_ts"] == payload.get("ts") if method == "conversations.replies"
                         else not m["thread_ts"])
                ]  # fmt: skip
            return {"ok": True, "messages": found[::-1], "has_more": False}
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT"}
        return {"ok": True}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: object) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/upload/"):
                    with standin._lock:
                        standin.uploads[self.path.removeprefix("/upload/")] = data
                    return self._send(200, {"ok": True})
                raw = data.decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    payload = json.loads(raw or "{}")
                else:
                    payload = dict(parse_qsl(raw))
                method = self.path.removeprefix("/api/")
                if self.path.startswith("/response/"):
                    method = "response_url"
                with standin._lock:
                    standin.invalid += blockkit.problems(method, payload)
                if method == "response_url":
                    with standin._lock:
                        standin.response_posts[self.path] += 1
                        if standin.response_posts[self.path] > RESPONSE_URL_POSTS:
                            return self._send(404, {"ok": False, "error": "used_url"})
                        standin.responses.append(payload)
                    return self._send(200, {"ok": True})
                if standin._held(method):
                    standin._released.wait(timeout=60)
                    self.close_connection = True
                    return None  # never answered: its caller is gone by now
                time.sleep(standin.delays.get(method, 0))  # a slow Slack
                with standin._lock:
                    standin.calls.append((method, payload))
                    failure = None
                    if pending := standin.failures[method]:
                        if pending[0][0] > 0:
                            pending[0][0] -= 1
                        else:
                            failure = pending.pop(0)
                if failure:
                    _, status, headers = failure
                    return self._send(status, {"ok": False, "error": "ratelimited"}, headers)
                if refused := standin.refusals.get((method, payload.get("channel"))):
                    return self._send(200, {"ok": False, "error": refused})
                return self._send(200, standin._answer(method, payload))

            def _send(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler


def answer_problems(answer: httpx.Response) -> list[str]:
    """What is wrong with the bot's direct HTTP answer to Slack: a message (an `ack` with text
    or blocks) or a `response_action` (a view `update`/`push`, or form `errors`)."""
    json_body = answer.headers.get("content-type", "").startswith("application/json")
    if answer.status_code != 200 or not answer.content or not json_body:
        return []  # Slack shows nothing of an empty or failed answer
    body = answer.json()
    if "response_action" in body:
        if "view" in body:
            return blockkit.view_problems(body["view"], where="ack.view")
        return []
    return [f"ack{p.removeprefix('response_url')}" for p in blockkit.problems("response_url", body)]


class SlackClient:
    """Posts to our `/slack/events` what Slack would: slash commands, interactivity, events."""

    def __init__(self, base_url: str, standin: SlackStandIn, *, secret: str = SECRET) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.standin = standin
        self.secret = secret
        self._n = count(1)

    def post(self, body: str, content_type: str, **extra_headers: str) -> httpx.Response:
        headers = {"Content-Type": content_type, **sign(body, secret=self.secret), **extra_headers}
        answer = self.http.post("/slack/events", content=body.encode(), headers=headers)
        found = answer_problems(answer)
        with self.standin._lock:
            self.standin.invalid += found
        return answer

    def command(self, text: str, *, user: str, channel: str = "C0GENERAL") -> httpx.Response:
        n = next(self._n)
        body = urlencode(
            {
                "token": "legacy",
                "team_id": "T0TORNIO",
                "team_domain": "tornio",
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/digi",
                "text": text,
                "api_app_id": "A0DIGI",
                "response_url": f"{self.standin.url}/response/{n}",
                "trigger_id": f"{n}.1234.abcdef{n}",
            }
        )
        return self.post(body, "application/x-www-form-urlencoded")

    def interaction(self, payload: dict[str, Any]) -> httpx.Response:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded")

    def submit_form(
        self, *, user: str, view_id: str = "V0FORM", **values: str | None
    ) -> httpx.Response:
        state: dict[str, Any] = {}
        for name in ("measure", "status"):
            chosen = values.get(name)
            state[name] = {
                "value": {
                    "type": "static_select",
                    "selected_option": {"value": chosen} if chosen else None,
                }
            }
        state["progress"] = {"value": {"type": "number_input", "value": values.get("progress")}}
        state["note"] = {"value": {"type": "plain_text_input", "value": values.get("note")}}
        state["spent"] = {"value": {"type": "plain_text_input", "value": values.get("spent")}}
        ticked = [{"value": "yes"}] if values.get("spent_confirm") == "yes" else []
        state["spent_confirm"] = {"value": {"type": "checkboxes", "selected_options": ticked}}
        return self.interaction(
            {
                "type": "view_submission",
                "team": {"id": "T0TORNIO"},
                "user": {"id": user},
                "api_app_id": "A0DIGI",
                "trigger_id": f"{next(self._n)}.99.view",
                "view": {
                    "id": view_id,
                    "type": "modal",
                    "callback_id": "digi_update_form",
                    "hash": "1.abc",
                    "state": {"values": state},
                },
            }
        )

    def click(self, *, user: str, action_id: str, value: str) -> httpx.Response:
        return self.interaction(
            {
                "type": "block_actions",
                "team": {"id": "T0TORNIO"},
                "user": {"id": user},
                "api_app_id": "A0DIGI",
                "trigger_id": f"{next(self._n)}.77.button",
                "container": {"type": "view", "view_id": "VHOME"},
                "actions": [
                    {"type": "button", "action_id": action_id, "block_id": "b", "value": value}
                ],
            }
        )

    def event(
        self, event: dict[str, Any], *, event_id: str, retry: int | None = None
    ) -> httpx.Response:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": "T0TORNIO",
                "api_app_id": "A0DIGI",
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
            }
        )
        headers = (
            {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            if retry
            else {}
        )
        return self.post(body, "application/json", **headers)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_serve(env: dict[str, str], cwd, port: int):
    """`digibot serve` as a city runs it, in a process of its own, once /health answers."""
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"], env={**env, "DIGIBOT_PORT": str(port)},
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(process.stdout.read())
