"""Configuration from the environment and a `.env` file (PRODUCT.md, "Running it")."""

from __future__ import annotations

from ipaddress import ip_address
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from handlers.messages import LANGUAGES, Language
from handlers.schedule import Calendar, check_reminder_days, parse_month_days, parse_time
from storage.crud import is_valid_ref
from storage.db import Timeouts


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = "sqlite:///digibot.db"
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str | None = None
    teams_client_id: str | None = Field(
        default=None, validation_alias="CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"
    )
    teams_anonymous_allowed: bool = Field(
        default=False,
        validation_alias="CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED",
    )
    """Local testing only: Teams requests without a token are accepted."""
    digibot_teams_leadership_channel: str | None = None
    digibot_teams_webhook_url: SecretStr | None = None
    """A Teams Workflows webhook: the summary goes there as cards, no bot needed. A secret."""
    digibot_port: int = 3000
    digibot_claim_timeout: int = 300
    """Seconds after which another process resumes a summary that a dead one was posting."""
    digibot_db_connect_timeout: float = 3.0
    digibot_db_statement_timeout: float = 5.0
    """Also SQLite's busy timeout; a server that does not answer at all is cut a second later."""
    digibot_db_pool_timeout: float = 2.0
    digibot_health_timeout: float = 2.0
    """/health answers 503 if the database has not answered within this many seconds."""
    digibot_leadership_channel: str | None = None
    digibot_coordinators: Annotated[list[str], NoDecode] = []
    digibot_language: Literal["fi", "sv", "en"] = "fi"
    """The city's language: the channel summary, and whoever's language is not known."""
    digibot_languages: Annotated[list[str], NoDecode] = ["fi", "sv", "en"]
    """The languages a person may be answered in (their platform's locale or their choice)."""
    digibot_timezone: str = "Europe/Helsinki"
    digibot_summary_dates: Annotated[list[str], NoDecode] = ["05-20", "09-20"]
    digibot_summary_time: str = "09:00"
    digibot_reminder_days: Annotated[list[int], NoDecode] = [14, 3]
    digibot_privacy_contact: str | None = None
    """Whom the privacy notice (/privacy) tells people to ask: an e-mail address or a name."""
    digibot_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] | None = None
    """None: INFO for `digibot serve`, WARNING for the other commands."""
    digibot_log_format: Literal["text", "json"] = "text"
    digibot_metrics: Literal["local", "on", "off"] = "local"
    """`GET /metrics`: `local` answers only this host's own requests (the port faces the
    internet for Slack and Teams, and the metrics tell activity and the version); `on` anyone
    who reaches the port (a scraper on another host, on a network you trust); `off` no one."""
    digibot_public_page: bool = False
    """The public progress page and open data (`/`, `/data/…`): read-only, no personal data."""
    digibot_public_notes: bool = False
    """The public page and open data show the updates' notes (the coordinator's decision)."""
    digibot_open_data_licence: str = "CC BY 4.0"
    digibot_accessibility_contact: str | None = None
    """Where the accessibility statement tells people to send feedback: an e-mail or a name."""

    _split = field_validator(
        "digibot_coordinators",
        "digibot_summary_dates",
        "digibot_reminder_days",
        "digibot_languages",
        mode="before",
    )(_split_list)

    @field_validator("digibot_coordinators")
    @classmethod
    def _coordinators(cls, value: list[str]) -> list[str]:
        if bad := [ref for ref in value if not is_valid_ref(ref)]:
            raise ValueError(f"not a user id or an e-mail address: {', '.join(map(repr, bad))}")
        return value

    @field_validator("digibot_summary_dates")
    @classmethod
    def _dates(cls, value: list[str]) -> list[str]:
        parse_month_days(value)
        return value

    @field_validator("digibot_summary_time")
    @classmethod
    def _time(cls, value: str) -> str:
        parse_time(value)
        return value

    @field_validator("digibot_reminder_days")
    @classmethod
    def _reminder_days(cls, value: list[int], info: ValidationInfo) -> list[int]:
        if any(not 1 <= day <= 90 for day in value):
            raise ValueError("reminder days are whole days from 1 to 90 before a summary")
        if dates := info.data.get("digibot_summary_dates"):  # absent if itself refused
            check_reminder_days(parse_month_days(dates), value)
        return value

    @field_validator("digibot_claim_timeout")
    @classmethod
    def _claim_timeout(cls, value: int) -> int:
        if value < 1:
            raise ValueError("a positive number of seconds (the default 300 suits production)")
        return value

    @field_validator(
        "digibot_db_connect_timeout",
        "digibot_db_statement_timeout",
        "digibot_db_pool_timeout",
        "digibot_health_timeout",
    )
    @classmethod
    def _timeouts(cls, value: float) -> float:
        if not 0 < value <= 3600:
            raise ValueError("seconds, more than 0 (every wait on the database is bounded)")
        return value

    @field_validator("digibot_teams_webhook_url")
    @classmethod
    def _webhook_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        check_webhook_url(value.get_secret_value().strip())
        return SecretStr(value.get_secret_value().strip())

    @field_validator("digibot_language", mode="before")
    @classmethod
    def _language(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("digibot_languages")
    @classmethod
    def _languages(cls, value: list[str], info: ValidationInfo) -> list[str]:
        value = list(dict.fromkeys(code.strip().lower() for code in value))
        if bad := [code for code in value if code not in LANGUAGES]:
            raise ValueError(
                f"unsupported language {', '.join(map(repr, bad))}: "
                f"the bot speaks {', '.join(LANGUAGES)} (e.g. DIGIBOT_LANGUAGES=fi,sv,en)"
            )
        if not value:
            raise ValueError(f"name at least one of {', '.join(LANGUAGES)}")
        city = info.data.get("digibot_language")  # absent if itself refused
        if city and city not in value:
            raise ValueError(
                f"DIGIBOT_LANGUAGE {city} must be one of them: "
                f"e.g. DIGIBOT_LANGUAGES={','.join([city, *value])}"
            )
        return value

    @field_validator("digibot_log_level", mode="before")
    @classmethod
    def _log_level(cls, value: object) -> object:
        return (value.strip().upper() or None) if isinstance(value, str) else value

    @field_validator("digibot_log_format", mode="before")
    @classmethod
    def _log_format(cls, value: object) -> object:
        return (value.strip().lower() or "text") if isinstance(value, str) else value

    @field_validator("digibot_metrics", mode="before")
    @classmethod
    def _metrics(cls, value: object) -> object:
        return (value.strip().lower() or "local") if isinstance(value, str) else value

    @field_validator("digibot_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))

    @property
    def webhook_url(self) -> str | None:
        url = self.digibot_teams_webhook_url
        return url.get_secret_value() if url else None

    @property
    def teams_configured(self) -> bool:
        return bool(self.teams_client_id or self.teams_anonymous_allowed)

    @property
    def db_timeouts(self) -> Timeouts:
        return Timeouts(
            connect=self.digibot_db_connect_timeout,
            statement=self.digibot_db_statement_timeout,
            pool=self.digibot_db_pool_timeout,
        )

    @property
    def calendar(self) -> Calendar:
        return Calendar.parse(
            self.digibot_summary_dates, self.digibot_summary_time, self.digibot_reminder_days
        )

    @property
    def languages(self) -> tuple[Language, ...]:
        return tuple(code for code in LANGUAGES if code in self.digibot_languages)

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.digibot_timezone)


def check_webhook_url(url: str) -> None:
    """An https URL; plain http only to this machine (a local stand-in in tests). The
    message never repeats the URL: it is a secret."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise ValueError("not a URL (copy it whole from the workflow's trigger)") from None
    if parts.scheme == "https" and host:
        return
    if parts.scheme == "http" and (host == "localhost" or _loopback(host)):
        return
    raise ValueError(
        "must be an https:// URL (plain http only to localhost, for tests): copy the URL "
        "from the workflow's trigger 'When a Teams webhook request is received'"
    )


def _loopback(host: str) -> bool:
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False
