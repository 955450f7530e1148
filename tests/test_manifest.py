"""The Slack app manifests ask for what the bot uses, and point where it listens."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
NEEDED_SCOPES = {
    "channels:history",
    "groups:history",
    "commands",
    "chat:write",
    "im:write",
    "users:read",
    "users:read.email",
    "files:write",
}


@pytest.mark.parametrize("name", ["manifest.yaml", "manifest-socket-mode.yaml"])
def test_manifest_declares_the_command_scopes_events_and_interactivity(name: str) -> None:
    manifest = yaml.safe_load((ROOT / "slack" / name).read_text(encoding="utf-8"))
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/digi"
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == NEEDED_SCOPES
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert events == ["app_home_opened", "user_change"]  # user_change: a user deactivated
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    socket = manifest["settings"]["socket_mode_enabled"]
    urls = [
        command.get("url"),
        manifest["settings"]["event_subscriptions"].get("request_url"),
        manifest["settings"]["interactivity"].get("request_url"),
    ]
    if socket:
        assert urls == [None, None, None]
    else:
        assert all(url.endswith("/slack/events") for url in urls)
