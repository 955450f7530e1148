"""The tables. Status updates are append-only: a row is never changed except to mark it
withdrawn, and never deleted.

Ids are typed `int`: a row's id is None only from its creation until it is flushed, and
nothing reads it then; typed `int | None`, every query result would need a check."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Dialect, Index, UniqueConstraint, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: times are stored in UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc_column(*, nullable: bool) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class Programme(SQLModel, table=True):
    """The one programme this database tracks (row id 1)."""

    id: int = Field(default=None, primary_key=True)
    name: str
    period: str = ""
    vision_year: int | None = None


class Period(SQLModel, table=True):
    """A programme period (2024-2026, then 2027-2028…). The current one is not closed."""

    id: int = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    opened_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class Revision(SQLModel, table=True):
    """One import of the programme (a budget process's revision, a new period, or the
    programme as it stood before revisions were kept): a label, when and who. The
    programme's own fields are kept with it, so a past summary's header is as it was."""

    id: int = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="period.id", index=True)
    label: str
    kind: str = Field(description="initial, revision or new-period")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    created_by: str
    source: str = Field(default="", description="the imported file's name")
    programme_name: str = ""
    vision_year: int | None = None


class Theme(SQLModel, table=True):
    """A painopistealue, with maturity on Kuntaliitto's 1–5 scale. Its row holds the current
    plan; `ThemePlan` keeps every earlier one."""

    id: int = Field(default=None, primary_key=True)
    code: str
    code_key: str = Field(unique=True, description="code, lower-cased: ids are case-insensitive")
    name: str
    baseline: float | None = None
    current: float | None = None
    target: float | None = None
    retired_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    retired_revision_id: int | None = Field(default=None, foreign_key="revision.id")


PERSON_IDS = ("email", "slack_id", "teams_aad_id", "teams_id")
"""A person's ids beside the programme's `ref`: each names at most one person."""


class Person(SQLModel, table=True):
    """One human: the programme names them by `ref` (a chat user id as given, or a
    lower-cased e-mail); their ids on each platform and e-mail are linked as they talk to
    the bot, so that one person is one row whichever id they come with. A person forgotten
    (`digibot person forget`) keeps the row, with a pseudonym in place of name and ids."""

    __table_args__ = tuple(
        Index(f"ix_person_{column}", column, unique=True) for column in PERSON_IDS
    )

    id: int = Field(default=None, primary_key=True)
    ref: str = Field(unique=True, description="chat user id as given, or a lower-cased e-mail")
    name: str | None = None
    email: str | None = Field(default=None, description="lower-cased")
    slack_id: str | None = None
    teams_aad_id: str | None = Field(default=None, description="Entra object id")
    teams_id: str | None = Field(default=None, description="Teams' 29: id")
    forgotten_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class Measure(SQLModel, table=True):
    """A toimenpide. `code` is the programme's own id such as `1.3`. Its row holds the
    current plan; `MeasurePlan` keeps every earlier one. A measure left out of a revision is
    retired (`retired_at`), never deleted."""

    id: int = Field(default=None, primary_key=True)
    code: str
    code_key: str = Field(unique=True)
    theme_id: int = Field(foreign_key="theme.id", index=True)
    title: str
    description: str | None = None
    unit: str | None = None
    start: str | None = Field(default=None, description="YYYY, YYYY-MM or YYYY-MM-DD")
    due: str | None = None
    budget_eur: int | None = None
    indicator: str | None = None
    baseline: str | None = None
    target: str | None = None
    appropriations: str = Field(
        default="",
        sa_column_kwargs={"server_default": ""},
        description="planned money per budget year in cents: `2025:1000000;2026:1200000`",
    )
    added_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    retired_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    retired_revision_id: int | None = Field(default=None, foreign_key="revision.id")


class MeasurePlan(SQLModel, table=True):
    """A measure's plan as a revision left it. Append-only: a revision that changes any plan
    field, retires or reinstates the measure adds a row; the plan at any moment is the
    latest row at or before it (`created_at`, the revision's time: one index seek)."""

    __tablename__ = "measure_plan"
    __table_args__ = (Index("ix_measure_plan_time", "measure_id", "created_at", "id"),)

    id: int = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id")
    revision_id: int = Field(foreign_key="revision.id", index=True)
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))
    code: str
    theme_id: int = Field(foreign_key="theme.id")
    title: str
    description: str | None = None
    owner_id: int | None = Field(default=None, foreign_key="person.id")
    deputy_ids: str = Field(default="", description="the deputies' person ids, comma-separated")
    unit: str | None = None
    start: str | None = None
    due: str | None = None
    budget_eur: int | None = None
    indicator: str | None = None
    baseline: str | None = None
    target: str | None = None
    appropriations: str = Field(default="", sa_column_kwargs={"server_default": ""})
    retired: bool = False


class ThemePlan(SQLModel, table=True):
    """A theme as a revision left it; append-only like `MeasurePlan`."""

    __tablename__ = "theme_plan"
    __table_args__ = (Index("ix_theme_plan_time", "theme_id", "created_at", "id"),)

    id: int = Field(default=None, primary_key=True)
    theme_id: int = Field(foreign_key="theme.id")
    revision_id: int = Field(foreign_key="revision.id", index=True)
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))
    code: str
    name: str
    baseline: float | None = None
    current: float | None = None
    target: float | None = None
    retired: bool = False


class MeasureRole(SQLModel, table=True):
    """Who answers for a measure: one owner, any number of deputies."""

    __tablename__ = "measure_role"
    __table_args__ = (UniqueConstraint("measure_id", "person_id"),)

    id: int = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(description="owner or deputy")
    position: int = 0


class Coordinator(SQLModel, table=True):
    """Coordinators granted in the database, beside DIGIBOT_COORDINATORS."""

    id: int = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    added_by: str
    added_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class StatusUpdate(SQLModel, table=True):
    """One reported status. Append-only; withdrawal only sets `withdrawn_at`/`withdrawn_by`."""

    __tablename__ = "status_update"
    __table_args__ = (
        # The current state of a measure is one index seek, however long its history.
        Index("ix_status_update_current", "measure_id", "withdrawn_at", "id"),
        # A measure's history, newest first, without sorting it.
        Index("ix_status_update_history", "measure_id", "id"),
        Index("ix_status_update_author", "author", "id"),
        # The state as of any moment: one seek a measure on its time.
        Index("ix_status_update_time", "measure_id", "created_at", "id"),
        # The latest withdrawal (the public page's change token): withdrawn rows only.
        Index(
            "ix_status_update_withdrawn",
            "withdrawn_at",
            sqlite_where=text("withdrawn_at IS NOT NULL"),
            postgresql_where=text("withdrawn_at IS NOT NULL"),
        ),
    )

    id: int = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id")
    author: str = Field(description="the chat user id, e-mail or console name of the reporter")
    author_person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    status: str
    progress: int | None = None
    note: str = ""
    source: str = Field(description="slack, teams, console or cli")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    idempotency_key: str | None = Field(default=None, unique=True)
    withdrawn_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    withdrawn_by: str | None = None


class Spending(SQLModel, table=True):
    """Money spent on a measure in one budget year, to date, as someone reported it (in chat
    or from the finance system's actuals). Append-only: a later report for the same year
    supersedes an earlier one; the spent to date of a measure is the sum of each year's
    latest report. Exact: integer cents."""

    __table_args__ = (Index("ix_spending_time", "measure_id", "year", "created_at", "id"),)

    id: int = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id")
    year: int = Field(description="the budget year")
    spent_cents: int = Field(description="spent in that year to date, in cents")
    reported_on: str = Field(description="the day the figure is as of, YYYY-MM-DD")
    note: str = ""
    author: str = Field(description="who reported it: a chat user id, e-mail or the CLI's user")
    source: str = Field(description="slack, teams, console, cli or actuals (an import)")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    idempotency_key: str | None = Field(default=None, unique=True)


class MaturityAssessment(SQLModel, table=True):
    """A theme's assessed level on Kuntaliitto's 1–5 scale, with its source and date.
    Append-only; a theme's current level is its latest assessment."""

    __tablename__ = "maturity_assessment"
    __table_args__ = (Index("ix_maturity_time", "theme_id", "created_at", "id"),)

    id: int = Field(default=None, primary_key=True)
    theme_id: int = Field(foreign_key="theme.id")
    level_hundredths: int = Field(description="the level × 100: 3.2 is 320 (exact)")
    source: str = Field(default="", description="e.g. Itsearviointi, Kuntaliiton kysely")
    assessed_on: str = Field(description="YYYY-MM or YYYY-MM-DD")
    author: str
    origin: str = Field(description="chat, maturity-import or programme (the file's `current`)")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class Delivery(SQLModel, table=True):
    """A platform delivery already handled (Slack's event_id), so a retry is handled once."""

    key: str = Field(primary_key=True)
    received_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class SummaryRun(SQLModel, table=True):
    """One leadership summary in one channel. `period` names it: a scheduled summary date
    (`2025-H1`, or its date `2025-05-20` when a half-year has several) or a hand-posted
    extra (`2025-01-15-extra`). `attempt` 0 is the summary; a deliberate repost (`--force`)
    is attempt 1, 2… The unique key is what makes "at most one per scheduled date and
    channel" hold whatever the processes do."""

    __tablename__ = "summary_run"
    __table_args__ = (UniqueConstraint("period", "channel", "attempt"),)

    id: int = Field(default=None, primary_key=True)
    period: str = Field(index=True)
    channel: str
    attempt: int = 0
    kind: str = Field(
        default="scheduled",
        sa_column_kwargs={"server_default": "scheduled"},
        description="scheduled (a configured summary date) or extra (any other hand post)",
    )
    trigger: str = Field(description="schedule, chat or cli")
    requested_by: str
    as_of: str = Field(description="the local day the summary speaks of, YYYY-MM-DD")
    cutoff_update_id: int = Field(description="the summary shows updates up to this id")
    baseline_update_id: int | None = Field(
        default=None, description="the previous summary's cutoff; None: the state at import"
    )
    cutoff_at: datetime = Field(
        default_factory=utcnow,
        sa_column=_utc_column(nullable=False),
        description="when the run was claimed: updates withdrawn later still count in it",
    )
    baseline_at: datetime | None = Field(
        default=None, sa_column=_utc_column(nullable=True), description="the previous cutoff_at"
    )
    claimed_by: str
    claimed_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    posted_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    main_id: str | None = Field(default=None, description="the main message's id (Slack ts)")


class SummaryPart(SQLModel, table=True):
    """Each message of a run as it is posted, so a crash resumes instead of reposting."""

    __tablename__ = "summary_part"
    __table_args__ = (UniqueConstraint("run_id", "seq"),)

    id: int = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="summary_run.id", index=True)
    seq: int
    message_id: str = Field(description="the platform's id; empty while only begun (intent)")
    posted_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class Reminder(SQLModel, table=True):
    """A reminder to one person on one day: at most one a person a day, claimed first."""

    __table_args__ = (UniqueConstraint("person_ref", "day"),)

    id: int = Field(default=None, primary_key=True)
    person_ref: str
    day: str = Field(description="the local reminder day, YYYY-MM-DD")
    period: str
    measures: str = Field(description="the ids listed, comma-separated")
    claimed_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class ConversationRef(SQLModel, table=True):
    """Where the bot can speak unprompted (Teams): saved from every activity, so that
    summaries and reminders reach a channel or a person whichever process sends them."""

    __tablename__ = "conversation_ref"
    __table_args__ = (UniqueConstraint("platform", "conversation_id"),)

    id: int = Field(default=None, primary_key=True)
    platform: str
    conversation_id: str = Field(description="a channel id, or a personal or group chat id")
    kind: str = Field(description="personal, channel or groupChat")
    user_id: str | None = Field(default=None, index=True, description="personal: the user's id")
    aad_object_id: str | None = Field(default=None, index=True)
    email: str | None = Field(default=None, index=True)
    tenant_id: str | None = None
    service_url: str
    reference: str = Field(description="the platform's conversation reference, as JSON")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class PersonLanguage(SQLModel, table=True):
    """The language a person chose for the bot's replies (`language sv`), under each of the
    refs they were known by when choosing (user id, e-mail, other ids), so that a reminder
    addressed by any of them finds it. A choice wins over the platform's locale."""

    __tablename__ = "person_language"

    ref: str = Field(primary_key=True, description="chat user id as given, or a lower-cased e-mail")
    language: str = Field(description="fi, sv or en")
    set_by: str = Field(description="the author ref of whoever chose it")
    set_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class Absence(SQLModel, table=True):
    """A person away from `starts_on` until `until` (local days, YYYY-MM-DD, both included):
    their reminders go to their deputies. Append-only: `/digi back` only marks it ended; an
    absence whose `until` has passed has ended by itself."""

    id: int = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    starts_on: str
    until: str
    note: str = ""
    set_by: str = Field(description="who set it: the person themselves or a coordinator")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    ended_by: str | None = None


class Departure(SQLModel, table=True):
    """The platform said the person is deactivated or gone: they are never reminded, and
    their measures are listed for the coordinators. Append-only: a reactivation only marks
    it `returned_at`."""

    id: int = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    left_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    source: str = Field(description="what said so: slack:user_change, slack:users.info, teams:…")
    returned_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    returned_source: str | None = None
