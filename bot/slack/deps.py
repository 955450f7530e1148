"""What every Slack listener needs, built once per app."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bot.metrics import Metrics
from bot.slack.identity import Directory
from handlers.context import Actor, Context
from handlers.language import personal
from handlers.messages import Messages
from handlers.summary.post import Publisher

log = logging.getLogger(__name__)


@dataclass
class SlackDeps:
    ctx: Context
    directory: Directory
    publisher: Publisher | None = None
    """The leadership channel, where `/digi summary post` posts."""
    metrics: Metrics = field(default_factory=Metrics)
    pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=8, thread_name_prefix="digi")
    )

    @property
    def t(self) -> Messages:
        return self.ctx.t

    def ctx_for(self, actor: Actor) -> Context:
        """The context answering this person in their language."""
        return personal(self.ctx, actor)

    def background(self, fn: Callable[..., object], /, *args: object, **kwargs: object) -> None:
        """Work after the acknowledgement; a failure is logged, never lost in a future."""

        def run() -> None:
            try:
                fn(*args, **kwargs)
            except Exception:
                log.exception("background work for Slack failed")

        self.pool.submit(run)
