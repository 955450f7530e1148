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
                ),
                now + self.ttl,
            )
        except (SlackApiError, SlackClientError, KeyError, OSError) as failed:
            log.warning("users.info %s failed: %s", user_id, failed)
            actor, expires = Actor(user_id=user_id), now + self.retry_after
        with self._lock:
            self._cache[user_id] = (expires, actor)
        return actor
