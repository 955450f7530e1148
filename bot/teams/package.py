"""The Teams app package an administrator uploads: manifest.json and two icons in a zip."""

from __future__ import annotations

import io
import json
import re
import zipfile

from handlers.commands import COMMANDS
from handlers.messages import Messages

MANIFEST_VERSION = "1.17"
SCHEMA = (
    f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/"
    "MicrosoftTeams.schema.json"
)
ACCENT = "#1F4E79"
# The pages `digibot serve` answers (bot/pages.py) that the manifest links to.
PAGES = {"websiteUrl": "/about", "privacyUrl": "/privacy", "termsOfUseUrl": "/about#terms"}

_GUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"(?P<name>{_LABEL}(\.{_LABEL})*)(:(?P<port>[0-9]{{1,5}}))?")


def valid_bot_id(value: str) -> bool:
    """An Entra app id is a GUID; the manifest schema refuses anything else at upload."""
    return bool(_GUID.fullmatch(value))


def valid_host(value: str) -> bool:
    """A bare DNS name, optionally with a port: no scheme, no path, nothing to escape."""
    found = _HOST.fullmatch(value)
    if not found or len(found["name"]) > 253:
        return False
    return found["port"] is None or 1 <= int(found["port"]) <= 65535


def manifest(*, bot_id: str, host: str, t: Messages, version: str = "1.0.0") -> dict:
    commands = [
        {"title": t(command.menu), "description": t(f"{command.menu}.help")}
        for command in COMMANDS  # Teams has forms: every command
    ]
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": bot_id,
        "developer": {"name": "digibot"}
        | {key: f"https://{host}{path}" for key, path in PAGES.items()},
        "name": {"short": "Digibot", "full": t("teams.app.name")},
        "description": {"short": t("teams.app.short"), "full": t("teams.app.full")},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [
            {
                "botId": bot_id,
                "scopes": ["personal", "team", "groupChat"],
                "isNotificationOnly": False,
                "supportsFiles": False,
                "commandLists": [
                    {"scopes": ["personal"], "commands": commands},
                    {"scopes": ["team", "groupChat"], "commands": commands},
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host.split(":", maxsplit=1)[0]],  # a domain, without the port
    }


def _icon(size: int, *, outline: bool) -> bytes:
    """The app's icon: a white "D" on the accent colour (192 px), or its outline (32 px)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure = plt.figure(figsize=(1, 1), dpi=size)
    figure.patch.set_alpha(0.0 if outline else 1.0)
    figure.patch.set_facecolor(ACCENT)
    figure.text(0.5, 0.5, "D", color="white", ha="center", va="center", fontsize=40,
                fontweight="bold")  # fmt: skip
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", transparent=outline, metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def build_package(*, bot_id: str, host: str, t: Messages) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        document = json.dumps(manifest(bot_id=bot_id, host=host, t=t), ensure_ascii=False, indent=2)
        archive.writestr("manifest.json", document)
        archive.writestr("color.png", _icon(192, outline=False))
        archive.writestr("outline.png", _icon(32, outline=True))
    return buffer.getvalue()
