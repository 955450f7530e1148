"""What we hand to a platform is valid by its own published schema: the Slack app manifests
(Slack's manifest JSON schema), the Teams app manifest (Microsoft's schema of its version),
and Block Kit (slack_sdk's models, checked on every payload the Slack stand-in receives).
The schema files are vendored under tests/schemas/ (sources in their SOURCES.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft4Validator, Draft7Validator
from referencing import Registry, Resource
from slack_sdk import WebClient

from bot.teams.package import MANIFEST_VERSION, manifest
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


def _teams_validator() -> Draft4Validator:
    path = SCHEMAS / "teams" / f"MicrosoftTeams.schema.v{MANIFEST_VERSION}.json"
    return Draft4Validator(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_teams_app_manifest_is_valid_by_microsofts_schema(language: str) -> None:
    document = manifest(bot_id=BOT_ID, host="digibot.tornio.fi", t=Messages(language))
    assert _errors(_teams_validator(), document) == []


def test_the_teams_schema_refuses_a_broken_manifest() -> None:
    document = manifest(bot_id="not-a-guid", host="digibot.tornio.fi", t=Messages("fi"))
    assert any("id" in error for error in _errors(_teams_validator(), document))


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
