"""The summary's way into Slack: messages in the leadership channel and their thread, the
chart through Slack's current upload flow, and reminders as direct messages."""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.blocks import render_messages
from handlers.reminders import Gone
from handlers.replies import Reply

log = logging.getLogger(__name__)
METADATA_TYPE = "digibot_summary_part"


class SlackPublisher:
    platform = "slack"
    chart_dpi = 110

    def __init__(self, client: WebClient, channel: str) -> None:
        self.client = client
        self.channel = channel

    def render(self, part: Reply) -> list[dict]:
        return render_messages(part)

    def post(self, message: dict, *, thread: str | None, key: str) -> str:
        response = self.client.chat_postMessage(
            channel=self.channel,
            thread_ts=thread,
            unfurl_links=False,
            unfurl_media=False,
            metadata={"event_type": METADATA_TYPE, "event_payload": {"key": key}},
            **message,
        )
        return response["ts"]

    def find(self, key: str, *, thread: str | None) -> str | None:
        """Look for the message in the channel (or the thread) by the key in its metadata,
        or for the chart by the key in its file name: a file share carries no metadata."""
        if thread:
            found = self.client.conversations_replies(
                channel=self.channel, ts=thread, include_all_metadata=True, limit=1000
            )
        else:
            found = self.client.conversations_history(
                channel=self.channel, include_all_metadata=True, limit=50
            )
        messages: list[dict[str, Any]] = found.get("messages", [])
        for message in messages:
            for shared in message.get("files") or ():
                if shared.get("name") == chart_filename(key):
                    return shared["id"]
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") != METADATA_TYPE:
                continue
            if metadata.get("event_payload", {}).get("key") == key:
                return message["ts"]
        return None

    def upload_chart(self, png: bytes, *, title: str, thread: str | None, key: str) -> str:
        response = self.client.files_upload_v2(
            channel=self.channel, thread_ts=thread, content=png, filename=chart_filename(key),
            title=title,
        )  # fmt: skip
        return response["file"]["id"]


def chart_filename(key: str) -> str:
    """The chart's file name carries its key (`12:9` → `digiohjelma-12-9.png`), so that a
    resumed run finds an upload it did not live to record."""
    return f"digiohjelma-{key.replace(':', '-')}.png"


class SlackMessenger:
    """Direct messages to people named in the programme by user id or by e-mail."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._ids: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def user_id(self, ref: str) -> str | None:
        """The Slack user a ref names; raises `Gone` for a deactivated user (users.info or
        users.lookupByEmail says `deleted`: they are never reminded)."""
        with self._lock:
            if ref in self._ids:
                return self._ids[ref]
        try:
            if "@" in ref:
                user = self.client.users_lookupByEmail(email=ref)["user"]
            else:
                user = self.client.users_info(user=ref)["user"]
        except SlackApiError as failed:
            log.warning("no Slack user for %s: %s", ref, failed.response.get("error"))
            if failed.response.get("error") not in ("users_not_found", "user_not_found"):
                raise  # a passing fault: the reminder's claim is given back and retried
            user = None
        if user and user.get("deleted"):
            raise Gone("slack:users.info")
        found = user["id"] if user else None
        if "@" in ref:  # a user id is looked up each time: a deactivation shows at once
            with self._lock:
                self._ids[ref] = found
        return found

    def locale(self, person_ref: str) -> str | None:
        """The user's locale (users.info with include_locale); None if unknown."""
        user = self.user_id(person_ref)
        if user is None:
            return None
        try:
            locale = self.client.users_info(user=user, include_locale=True)["user"].get("locale")
        except SlackApiError as failed:
            log.warning("users.info %s failed: %s", user, failed.response.get("error"))
            return None
        return locale if isinstance(locale, str) else None

    def send_direct(self, person_ref: str, reply: Reply) -> bool:
        user = self.user_id(person_ref)
        if user is None:
            return False
        for message in render_messages(reply):
            self.client.chat_postMessage(channel=user, **message)
        return True
