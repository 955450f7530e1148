"""The Teams app package an administrator uploads: manifest.json (its own strings in the bot's
language), a localization file for each other language, and two icons, in a zip."""

from __future__ import annotations

import io
import json
import re
import zipfile

from handlers.commands import COMMANDS
from handlers.messages import MESSAGES, Messages

# 1.25 or later lets the bot into private and shared channels (`supportsChannelFeatures`).
MANIFEST_VERSION = "1.29"
_SCHEMAS = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/"
SCHEMA = _SCHEMAS + "MicrosoftTeams.schema.json"
LOCALIZATION_SCHEMA = _SCHEMAS + "MicrosoftTeams.Localization.schema.json"
LANGUAGES = ("fi", "sv", "en")
"""The package's languages: the bot's own (DIGIBOT_LANGUAGE) in the manifest, the others in
localization files; Teams shows each person the one of their Teams language."""
NAME = "Digibot"
# The catalogue (handlers/messages.py) has no Swedish yet, and its test admits only fi and en:
# until it does, the app's Swedish name and descriptions are here. Its own entries win.
_SWEDISH = {
    "teams.app.name": "Digiprogrammets statusbot",
    "teams.app.short": "Lägesrapporter och översikter för stadens digitala program",
    "teams.app.full": "De ansvariga för åtgärderna rapporterar läget med ett kommando eller "
    "ett formulär; digikoordinatorn ser varje åtgärds läge och de som inte har uppdaterats; "
    "ledningsgruppen får en översikt två gånger om året i samband med budgetprocessen.",
}
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


def _app_text(key: str, language: str) -> str:
    """The app's name or a description in `language`, from the catalogue where it has it."""
    return MESSAGES[key].get(language) or _SWEDISH[key]


def commands(language: str) -> list[dict[str, str]] | None:
    """The command menu, read from the command registry (Teams has forms: every command); None
    in a language the catalogue lacks some of it in: Teams then shows the manifest's."""
    menu = []
    for command in COMMANDS:
        if command.menu is None:
            continue
        title = MESSAGES[command.menu].get(language)
        description = MESSAGES[f"{command.menu}.help"].get(language)
        if not (title and description):
            return None
        menu.append({"title": title, "description": description})
    return menu


# Each scope's list of commands: the personal chat, and teams and group chats.
COMMAND_SCOPES = (["personal"], ["team", "groupChat"])


def manifest(*, bot_id: str, host: str, t: Messages, version: str = "1.0.0") -> dict:
    """The manifest, its own strings in `t`'s language, naming the other languages' files."""
    menu = commands(t.language) or []  # the catalogue has the bot's language whole
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": bot_id,
        "localizationInfo": {
            "defaultLanguageTag": t.language,
            "additionalLanguages": [
                {"languageTag": language, "file": f"{language}.json"}
                for language in LANGUAGES
                if language != t.language
            ],
        },
        "developer": {"name": "digibot"}
        | {key: f"https://{host}{path}" for key, path in PAGES.items()},
        "name": {"short": NAME, "full": t("teams.app.name")},
        "description": {"short": t("teams.app.short"), "full": t("teams.app.full")},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [
            {
                "botId": bot_id,
                "scopes": ["personal", "team", "groupChat"],
                "isNotificationOnly": False,
                "supportsFiles": False,
                "commandLists": [{"scopes": scopes, "commands": menu} for scopes in COMMAND_SCOPES],
            }
        ],
        "supportsChannelFeatures": "tier1",  # private and shared channels, as well as standard
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host.split(":", maxsplit=1)[0]],  # a domain, without the port
    }


def localization(language: str) -> dict[str, str]:
    """A language's localization file: the app's name, descriptions and command menu."""
    strings = {
        "$schema": LOCALIZATION_SCHEMA,
        "name.short": NAME,
        "name.full": _app_text("teams.app.name", language),
        "description.short": _app_text("teams.app.short", language),
        "description.full": _app_text("teams.app.full", language),
    }
    for index, _ in enumerate(COMMAND_SCOPES):
        for position, entry in enumerate(commands(language) or []):
            path = f"bots[0].commandLists[{index}].commands[{position}]"
            strings |= {f"{path}.{field}": text for field, text in entry.items()}
    return strings


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
        document = manifest(bot_id=bot_id, host=host, t=t)
        archive.writestr("manifest.json", json.dumps(document, ensure_ascii=False, indent=2))
        for other in document["localizationInfo"]["additionalLanguages"]:
            strings = localization(other["languageTag"])
            archive.writestr(other["file"], json.dumps(strings, ensure_ascii=False, indent=2))
        archive.writestr("color.png", _icon(192, outline=False))
        archive.writestr("outline.png", _icon(32, outline=True))
    return buffer.getvalue()
