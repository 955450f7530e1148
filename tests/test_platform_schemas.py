"""What we hand to a platform is valid by its own published schema: the Slack app manifests
(Slack's manifest JSON schema), the Teams app package (Microsoft's schemas of its manifest
version and of its localization files), and Block Kit (slack_sdk's models, checked on every
payload the Slack stand-in receives).
The schema files are vendored under tests/schemas/ (sources in their SOURCES.md)."""

from __future__ import annotations

import json
import re
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft4Validator, Draft7Validator
from referencing import Registry, Resource
from slack_sdk import WebClient

from bot.teams.package import LANGUAGES, MANIFEST_VERSION, build_package, localization, manifest
from handlers.messages import Messages
from tests.slack_standin import SlackStandIn

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = Path(__file__).resolve().parent / "schemas"
SLACK_SCHEMA_URL = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"
BOT_ID = "6f0e3d9a-5b1c-4c2e-9f7a-2d8b1e4c6a90"


def _slack_manifest_validator() -> Draft7Validator:
    folder = SCHEMAS / "slack"
    resources = [
        (SLACK_SCHEMA_URL + f"manifest.schema.{v}.json", folder / f"slack-manifest.schema.{v}.json")
        for v in ("1.0.0", "2.0.0")
    ]
    registry: Registry = Registry().with_resources(
        (url, Resource.from_contents(json.loads(path.read_text(encoding="utf-8"))))
        for url, path in resources
    )
    top = json.loads((folder / "slack-manifest.schema.json").read_text(encoding="utf-8"))
    return Draft7Validator(top, registry=registry)


def _errors(validator, document: dict) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


@pytest.mark.parametrize("name", ["manifest.yaml", "manifest-socket-mode.yaml"])
def test_the_slack_app_manifests_are_valid_by_slacks_schema(name: str) -> None:
    document = yaml.safe_load((ROOT / "slack" / name).read_text(encoding="utf-8"))
    assert _errors(_slack_manifest_validator(), document) == []


def test_the_slack_schema_refuses_a_broken_manifest() -> None:
    document = yaml.safe_load((ROOT / "slack" / "manifest.yaml").read_text(encoding="utf-8"))
    document["display_information"]["name"] = "x" * 36  # Slack allows 35
    document["features"]["slash_commands"][0]["command"] = "digi"  # no leading slash
    assert len(_errors(_slack_manifest_validator(), document)) >= 1


def _teams_validator(
    name: str = f"MicrosoftTeams.schema.v{MANIFEST_VERSION}.json",
) -> Draft4Validator:
    return Draft4Validator(json.loads((SCHEMAS / "teams" / name).read_text(encoding="utf-8")))


def _localization_errors(strings: dict[str, str]) -> list[str]:
    """The localization schema's errors, and its lengths: it states each `maxLength` beside a
    `$ref`, which a draft-04 validator skips, but Teams enforces them."""
    validator = _teams_validator("MicrosoftTeams.Localization.schema.json")
    schema = validator.schema
    errors = _errors(validator, strings)
    for key, text in strings.items():
        rules = [schema["properties"].get(key, {})]
        rules += [rule for p, rule in schema["patternProperties"].items() if re.search(p, key)]
        longest = min((rule["maxLength"] for rule in rules if "maxLength" in rule), default=None)
        if longest is not None and len(text) > longest:
            errors.append(f"[{key!r}]: longer than {longest}")
    return errors


@pytest.mark.parametrize("language", ["fi", "en"])
def test_the_teams_app_package_is_valid_by_microsofts_schemas(language: str) -> None:
    """The manifest in the bot's language, a localization file for each other language."""
    package = build_package(bot_id=BOT_ID, host="digibot.tornio.fi", t=Messages(language))
    with zipfile.ZipFile(BytesIO(package)) as archive:
        document = json.loads(archive.read("manifest.json"))
        assert _errors(_teams_validator(), document) == []
        info = document["localizationInfo"]
        assert info["defaultLanguageTag"] == language
        others = {entry["languageTag"]: entry["file"] for entry in info["additionalLanguages"]}
        assert set(others) == set(LANGUAGES) - {language} and "sv" in others
        assert sorted(archive.namelist()) == sorted(
            ["manifest.json", "color.png", "outline.png", *others.values()]
        )
        files = {tag: json.loads(archive.read(name)) for tag, name in others.items()}
    for strings in files.values():
        assert _localization_errors(strings) == []
    described = [document["description"]["full"]] + [f["description.full"] for f in files.values()]
    assert len(set(described)) == len(LANGUAGES)  # each language its own, none a copy


def test_the_teams_app_declares_private_and_shared_channels() -> None:
    """`tier1` (manifest 1.25 and later) lets a team add the bot to its private and shared
    channels too; the bot is offered in channels, group chats and the personal chat."""
    document = manifest(bot_id=BOT_ID, host="digibot.tornio.fi", t=Messages("fi"))
    assert document["supportsChannelFeatures"] == "tier1"
    assert document["bots"][0]["scopes"] == ["personal", "team", "groupChat"]
    assert _errors(_teams_validator(), document) == []


def test_the_teams_schemas_refuse_a_broken_manifest_and_localization() -> None:
    document = manifest(bot_id="not-a-guid", host="digibot.tornio.fi", t=Messages("fi"))
    assert any("id" in error for error in _errors(_teams_validator(), document))
    strings = localization("sv") | {"description.short": "x" * 81, "bots[0].menu": "x"}
    errors = _localization_errors(strings)
    assert any("description.short" in e for e in errors) and any(
        "bots[0].menu" in e for e in errors
    )


def test_the_slack_stand_in_fails_a_test_that_sends_invalid_block_kit() -> None:
    """The check that every other Slack test relies on can fail."""
    standin = SlackStandIn({})
    with pytest.raises(AssertionError) as refused, standin:  # noqa: PT012 (raised on closing)
        client = WebClient(token="xoxb-test", base_url=f"{standin.url}/api/")
        client.chat_postMessage(
            channel="C1", text="x", blocks=[{"type": "header", "text": {"type": "plain_text",
                                                                       "text": "x" * 151}}]
        )  # fmt: skip
        client.views_open(
            trigger_id="1.2.3",
            view={"type": "modal", "title": {"type": "plain_text", "text": "x" * 25},
                  "blocks": [{"type": "no-such-block"}]},
        )  # fmt: skip
    said = str(refused.value)
    assert "chat.postMessage.blocks[0] (header)" in said
    assert "150" in said
    assert "views.open.view" in said
    assert "unknown block type 'no-such-block'" in said
