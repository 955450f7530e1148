"""A local stand-in for Teams' Bot Connector service (what an activity's `serviceUrl`
points at), and Teams-shaped activities to post to our `/api/messages`."""

from __future__ import annotations

import copy
import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any
from urllib.parse import unquote, urlsplit

TENANT = "tenant-tornio"
BOT = {"id": "28:digibot-app", "name": "digibot"}
CHANNEL = "19:johtoryhma@thread.tacv2"
TEAM = "19:general@thread.tacv2"

_ACTIVITIES = re.compile(r"v3/conversations/(?P<conv>[^/]+)/activities(?:/(?P<reply>[^/]+))?$")
_MEMBER = re.compile(r"v3/conversations/(?P<conv>[^/]+)/members/(?P<user>[^/]+)$")


class ConnectorStandIn:
    """Records what the bot sends and answers member look-ups from `members`."""

    def __init__(self, members: dict[str, dict[str, str]]) -> None:
        self.members = members
        self.gone: set[str] = set()
        """Personal chats whose user has left: sending there answers 404, as the connector does."""
        self.sent: list[dict[str, Any]] = []
        self.lookups: list[str] = []
        self._ids = count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/teams/"

    def __enter__(self) -> ConnectorStandIn:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def activities(self, conversation: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                s for s in self.sent if conversation is None or s["conversation"] == conversation
            ]

    def wait(self, n: int, timeout: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(found := self.activities()) >= n:
                return found
            time.sleep(0.02)
        raise AssertionError(f"{len(self.activities())} activities sent, wanted {n}")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: object) -> None:
                pass

            def _send(self, status: int, body: dict) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if match := _MEMBER.search(path):
                    user = unquote(match["user"])
                    with standin._lock:
                        standin.lookups.append(user)
                    member = standin.members.get(user)
                    if member is None:
                        return self._send(404, {"error": {"code": "MemberNotFoundInConversation"}})
                    return self._send(200, {"id": user, **member})
                return self._send(404, {"error": {"code": "NotFound"}})

            def do_POST(self) -> None:
                path = urlsplit(self.path).path
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.loads(raw or b"{}")
                if (match := _ACTIVITIES.search(path)) and unquote(match["conv"]) in standin.gone:
                    return self._send(404, {"error": {"code": "MemberNotFoundInConversation"}})
                if match:
                    activity_id = f"{1700000000000 + next(standin._ids)}"
                    with standin._lock:
                        standin.sent.append(
                            {"conversation": unquote(match["conv"]), "reply_to": match["reply"],
                             "id": activity_id, "body": body}
                        )  # fmt: skip
                    return self._send(200, {"id": activity_id})
                return self._send(404, {"error": {"code": "NotFound"}})

        return Handler


def activity(service_url: str, user: dict[str, str], **fields: Any) -> dict[str, Any]:
    """A personal-chat message from `user` ({"id": "29:…", "aadObjectId": …})."""
    base = {
        "type": "message",
        "id": f"1700{uuid.uuid4().int % 10**9:09d}",
        "timestamp": "2026-11-28T10:00:00.000Z",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {
            "id": user["id"],
            "name": user.get("name", "User"),
            "aadObjectId": user["aadObjectId"],
        },
        "conversation": {
            "conversationType": "personal",
            "tenantId": TENANT,
            "id": f"a:chat-{user['id']}",
        },
        "recipient": BOT,
        "locale": "en-US",  # the tests' users have Teams in English (the bot answers in it)
        "channelData": {"tenant": {"id": TENANT}},
    }
    base.update(fields)
    return copy.deepcopy(base)


def channel_message(service_url: str, user: dict[str, str], text: str) -> dict[str, Any]:
    """A message in the leadership channel that @mentions the bot."""
    return activity(
        service_url, user,
        text=f"<at>digibot</at> {text}",
        conversation={
            "conversationType": "channel", "tenantId": TENANT, "id": f"{CHANNEL};messageid=1"
        },
        entities=[{"type": "mention", "text": "<at>digibot</at>", "mentioned": BOT}],
        channelData={"channel": {"id": CHANNEL}, "team": {"id": TEAM}, "tenant": {"id": TENANT}},
    )  # fmt: skip


def invoke(
    service_url: str, user: dict[str, str], name: str, data: dict[str, Any]
) -> dict[str, Any]:
    return activity(service_url, user, type="invoke", name=name, value={"data": data})


def texts(sent: dict[str, Any]) -> str:
    """Everything a user would read in a sent activity."""
    return json.dumps(sent["body"], ensure_ascii=False)


def dialog_submit(card: dict[str, Any], **typed: Any) -> dict[str, Any]:
    """What Teams submits from a dialog card: its action's data, each input's value (Teams
    sends them as strings), and what the user typed over them. Like Teams, an `Input.Number`
    whose value is not a JSON number shows empty and submits nothing."""
    [action] = card["actions"]
    data = dict(action["data"])
    for element in card["body"]:
        if not element["type"].startswith("Input.") or "value" not in element:
            continue
        value = element["value"]
        if element["type"] == "Input.Number" and (
            isinstance(value, bool) or not isinstance(value, int | float)
        ):
            continue
        data[element["id"]] = str(value)
    return {**data, **typed}
