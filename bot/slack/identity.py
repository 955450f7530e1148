"""Who a Slack user is to the programme: their user id, and the e-mail of their profile
(users.info, needs users:read.email), so that owners listed by e-mail are matched; and their
locale (include_locale), the language they are answered in unless they chose one."""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from handlers.context import Actor
from handlers.directory import Found

log = logging.getLogger(__name__)


class Directory:
    """users.info, cached: a profile's e-mail seldom changes, and the 3-second rule is tight."""

    def __init__(
        self, client: WebClient, *, ttl: float = 3600.0, retry_after: float = 60.0
    ) -> None:
        self.client = client
        self.ttl = ttl
        self.retry_after = retry_after
        self._cache: dict[str, tuple[float, Actor]] = {}
        self._lock = threading.Lock()

    def actor(self, user_id: str) -> Actor:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(user_id)
        if hit and hit[0] > now:
            return hit[1]
        try:
            user = self.client.users_info(user=user_id, include_locale=True)["user"]
            profile = user.get("profile", {})
            actor, expires = (
                Actor(
                    user_id=user_id,
                    email=profile.get("email") or None,
                    locale=user.get("locale") or None,
                    name=profile.get("real_name") or profile.get("display_name") or None,
                    platform_ids=(("slack_id", user_id),),
                ),
                now + self.ttl,
            )
        except (SlackApiError, SlackClientError, KeyError, OSError) as failed:
            log.warning("users.info %s failed: %s", user_id, failed)
            actor = Actor(user_id=user_id, platform_ids=(("slack_id", user_id),))
            expires = now + self.retry_after
        with self._lock:
            self._cache[user_id] = (expires, actor)
        return actor


class SlackPeople:
    """Someone a coordinator names, as Slack knows them: users.info for a user id,
    users.lookupByEmail for an e-mail (handlers.directory.Directory)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def find(self, ref: str) -> Found | None:
        try:
            if "@" in ref:
                user = self.client.users_lookupByEmail(email=ref)["user"]
            else:
                user = self.client.users_info(user=ref)["user"]
        except SlackApiError as failed:
            if failed.response.get("error") in ("user_not_found", "users_not_found"):
                return None
            raise
        if user.get("deleted"):
            return None
        profile = user.get("profile", {})
        return Found(
            user_id=user["id"],
            email=(profile.get("email") or "").lower() or None,
            name=profile.get("real_name") or profile.get("display_name") or None,
            platform_ids=(("slack_id", user["id"]),),
        )
