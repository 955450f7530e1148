"""A measure's money: the checks a spending report passes (shared by the command, the form
and nothing else), storing it once however often a platform delivers it, and what `show`
says about planned and spent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from handlers import formatting as fmt
from handlers.context import Actor, Context
from handlers.formatting import clip
from handlers.state.store import author_ref
from handlers.state.values import NOTE_LIMIT, Problem
from storage import money
from storage.models import Measure, Spending

ABSURD = 100
"""A report over this many times the year's appropriation (or the budget) is a typo until
the reporter confirms it: refused in chat, asked again in the form."""


def this_year(ctx: Context) -> int:
    """The budget year now, in the city's time zone."""
    return ctx.now().astimezone(ctx.timezone).year


def basis_cents(measure: Measure, year: int) -> int | None:
    """What a year's spending is measured against: its appropriation, else the budget."""
    planned = money.decode_appropriations(measure.appropriations)
    if year in planned:
        return planned[year]
    return measure.budget_eur * 100 if measure.budget_eur is not None else None


def check_spending(
    measure: Measure,
    amount_text: str,
    year: int,
    note: str,
    ctx: Context,
    *,
    confirmed: bool = False,
) -> tuple[int | None, list[Problem]]:
    """The amount in cents, and every problem with the report (field `amount` or `note`);
    `absurd` is the problem a confirmation lifts."""
    t, lang = ctx.t, ctx.language
    example = t("spent.example", p=ctx.prefix, id=measure.code)
    cents = money.parse_cents(amount_text)
    problems: list[Problem] = []
    if cents is None:
        problems.append(Problem("amount", t("spent.bad_amount", value=clip(amount_text)), example))
    elif (basis := basis_cents(measure, year)) and cents > ABSURD * basis and not confirmed:
        problems.append(
            Problem(
                "absurd",
                t(
                    "spent.absurd",
                    amount=fmt.euros(lang, cents, in_cents=True),
                    basis=fmt.euros(lang, basis, in_cents=True),
                    times=ABSURD,
                    year=year,
                ),
                t("spent.absurd_hint"),
            )
        )
    if len(note) > NOTE_LIMIT:
        length, limit = fmt.number(lang, len(note)), fmt.number(lang, NOTE_LIMIT)
        problems.append(
            Problem("note", t("note.too_long", length=length, limit=limit), t("note.too_long_hint"))
        )
    return cents, problems


def store_spending(
    session: Session,
    measure: Measure,
    actor: Actor,
    ctx: Context,
    *,
    cents: int,
    year: int,
    note: str,
    key: str | None,
) -> tuple[Spending, bool]:
    """Append the report; a repeated delivery is stored once: (the report, repeated)."""
    try:
        with session.begin_nested():  # a savepoint: the caller's transaction stays its own
            row = money.append_spending(
                session,
                measure_id=measure.id,
                year=year,
                spent_cents=cents,
                reported_on=ctx.now().astimezone(ctx.timezone).date().isoformat(),
                author=author_ref(session, actor),
                source=ctx.source,
                note=note,
                created_at=ctx.now(),
                idempotency_key=key,
            )
    except IntegrityError:  # the same delivery raced us to it
        earlier = money.spending_by_key(session, idempotency_key=key) if key else None
        if earlier is None:
            raise
        return earlier, True
    return row, False


@dataclass(frozen=True)
class MoneyState:
    year: int
    planned: dict[int, int]
    """Appropriations by budget year, cents."""
    budget: int | None
    """The planned total, cents (the programme's budget_eur)."""
    spent: dict[int, int]
    """Spent to date by budget year, cents (each year's latest report)."""

    @property
    def planned_total(self) -> int | None:
        return self.budget if self.budget is not None else sum(self.planned.values()) or None

    @property
    def over(self) -> bool:
        year, total = self.planned.get(self.year), self.planned_total
        return (year is not None and self.spent.get(self.year, 0) > year) or (
            total is not None and sum(self.spent.values()) > total
        )


def money_state(session: Session, measure: Measure, ctx: Context) -> MoneyState:
    latest = money.latest_spending(session, measure_ids=[measure.id]).get(measure.id, {})
    return MoneyState(
        year=this_year(ctx),
        planned=money.decode_appropriations(measure.appropriations),
        budget=measure.budget_eur * 100 if measure.budget_eur is not None else None,
        spent={year: row.spent_cents for year, row in latest.items()},
    )


def money_fields(state: MoneyState, ctx: Context) -> list[tuple[str, str]]:
    """Planned this year and in all, spent this year and in all, each with its share."""
    t, lang, year = ctx.t, ctx.language, state.year

    def share(part: int, whole: int | None) -> str:
        euros = fmt.euros(lang, part, in_cents=True)
        if not whole:
            return euros
        return f"{euros} ({fmt.progress(lang, round(100 * part / whole))})"

    pairs: list[tuple[str, str]] = []
    if year in state.planned:
        pairs.append(
            (
                t("field.appropriation", year=year),
                fmt.euros(lang, state.planned[year], in_cents=True),
            )
        )
    if state.planned:
        total = fmt.euros(lang, sum(state.planned.values()), in_cents=True)
        years = (
            f"{min(state.planned)}–{max(state.planned)}"
            if len(state.planned) > 1
            else str(min(state.planned))
        )
        pairs.append((t("field.appropriations"), f"{total} ({years})"))
    if state.spent:
        if year in state.spent:
            pairs.append(
                (t("field.spent", year=year), share(state.spent[year], state.planned.get(year)))
            )
        pairs.append(
            (t("field.spent_total"), share(sum(state.spent.values()), state.planned_total))
        )
    return pairs


def overspent(state: MoneyState, ctx: Context) -> dict[str, str] | None:
    """How a measure is over: `spent`, `planned` and `when` (the year, or "in all"), shown;
    None if it is not. The year's appropriation is checked first."""
    if not state.over:
        return None
    t, lang = ctx.t, ctx.language
    planned = state.planned.get(state.year)
    if planned is not None and state.spent.get(state.year, 0) > planned:
        spent, basis, when = state.spent[state.year], planned, str(state.year)
    else:
        spent, basis = sum(state.spent.values()), state.planned_total or 0
        when = t("flag.over_total")
    return {
        "spent": fmt.euros(lang, spent, in_cents=True),
        "planned": fmt.euros(lang, basis, in_cents=True),
        "when": when,
    }


def over_flag(state: MoneyState, ctx: Context) -> str | None:
    found = overspent(state, ctx)
    return ctx.t("flag.over_budget", **found) if found else None
