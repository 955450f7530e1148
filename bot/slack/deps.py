"""What every Slack listener needs, built once per app."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bot.slack.identity import Directory
from handlers.context import Context
from handlers.messages import Messages
from handlers.summary_post import Publisher


@dataclass
class SlackDeps:
    ctx: Context
    directory: Directory
    publisher: Publisher | None = None
    """The leadership channel, where `/digi summary post` posts."""
    pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=8, thread_name_prefix="digi")
    )

    @property
    def t(self) -> Messages:
        return self.ctx.t
