"""The public progress page and open data (PRODUCT.md, "Open to residents"): read-only
routes, on only with DIGIBOT_PUBLIC_PAGE=true.

Every page is rendered once per data version and language and then served from memory: a
request costs one query (handlers/public.version) until something public changes. Every
value is escaped by Jinja2's autoescape; no route writes (the session is only read and
rolled back); every answer carries the security headers, with a CSP that allows no script
and no inline style."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from bot.pages import accepted
from handlers import formatting, public
from handlers.messages import LANGUAGES, Language, Messages
from handlers.summary.status_style import STYLES
from storage.models import Programme

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
MARKS = {code: style.shape for code, style in STYLES.items()}
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class PublicConfig:
    """DIGIBOT_PUBLIC_NOTES, DIGIBOT_OPEN_DATA_LICENCE, DIGIBOT_ACCESSIBILITY_CONTACT."""

    notes: bool = False
    licence: str = "CC BY 4.0"
    contact: str | None = None
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Helsinki"))
    cache_bytes: int = 32 * 1024 * 1024
    """Rendered pages kept in memory; 0: none (every request renders)."""


@dataclass(frozen=True)
class Page:
    body: bytes
    media_type: str
    etag: str


class PageCache:
    """Rendered pages of one data version, least recently used dropped past `limit` bytes;
    a new version empties it."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._token = ""
        self._pages: OrderedDict[tuple[str, ...], Page] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, token: str, key: tuple[str, ...]) -> Page | None:
        with self._lock:
            if token != self._token:
                return None
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, token: str, key: tuple[str, ...], page: Page) -> None:
        if self.limit <= 0:  # no cache (the benchmark's uncached case)
            return
        with self._lock:
            if token != self._token:
                self._token, self._pages, self._size = token, OrderedDict(), 0
            if key in self._pages:
                return
            self._pages[key] = page
            self._size += len(page.body)
            while self._size > self.limit and len(self._pages) > 1:
                _, dropped = self._pages.popitem(last=False)
                self._size -= len(dropped.body)


class Formats:
    """Numbers and dates as the reader's language writes them (handlers/formatting.py)."""

    def __init__(self, language: Language, zone: ZoneInfo) -> None:
        self.language, self.zone = language, zone

    def level(self, value: float | None) -> str:
        return formatting.level(self.language, value)

    def progress(self, value: int | None) -> str:
        return formatting.progress(self.language, value)

    def share(self, part: int, whole: int) -> str:
        return self.progress(round(100 * part / whole) if whole else None)

    def when(self, value: str | None) -> str:
        return formatting.when(self.language, value)

    def day(self, value: datetime | date) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return formatting.day(self.language, value)

    def euros(self, amount: int) -> str:
        return formatting.euros(self.language, amount)

    def cents(self, amount: int) -> str:
        return formatting.euros(self.language, amount, in_cents=True)

    def value(self, name: str, value: Any) -> str:
        """A plan field's value in a change line."""
        if value is None or value == "":
            return "—"
        if name == "budget_eur":
            return self.euros(value)
        if name in {"start", "due"}:
            return self.when(value)
        return str(value)


def language_of(request: Request, default: Language) -> Language:
    """`?lang=` if one of ours, else the browser's first language we speak, else the city's."""
    asked = request.query_params.get("lang", "").strip().lower()
    for code in LANGUAGES:
        if asked == code:
            return code
    return accepted(request.headers.get("accept-language", ""), LANGUAGES) or default


def _etag_matches(header: str, etag: str) -> bool:
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


def _not_modified(request: Request, etag: str, modified: datetime | None) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when given; else If-Modified-Since."""
    if (match := request.headers.get("if-none-match")) is not None:
        return _etag_matches(match, etag)
    since = request.headers.get("if-modified-since")
    if since is None or modified is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False
    if when.tzinfo is None:
        return False
    return modified.replace(microsecond=0) <= when


Build = Callable[[Session, Language], Page | None]


def routes(engine: Engine, default: Language, config: PublicConfig) -> list[Route]:
    cache = PageCache(config.cache_bytes)

    def render(template: str, lang: Language, session: Session, **values: Any) -> Page:
        programme = session.get(Programme, 1)
        html = _templates.get_template(template).render(
            t=Messages(lang),
            lang=lang,
            languages=LANGUAGES,
            f=Formats(lang, config.timezone),
            marks=MARKS,
            licence=config.licence,
            site=(programme.name if programme else "") or Messages(lang)("public.overview.link"),
            **values,
        )
        return Page(html.encode(), "text/html; charset=utf-8", "")

    def answer(request: Request, key: str, build: Build, *, languages: bool = True) -> Response:
        lang = language_of(request, default) if languages else default
        headers = dict(SECURITY_HEADERS)
        if languages:
            headers |= {"Content-Language": lang, "Vary": "Accept-Language"}
        with Session(engine) as session:  # read only: closed without a commit
            version = public.version(session)
            etag = f'"{version.token}-{lang}"' if languages else f'"{version.token}"'
            headers["ETag"] = etag
            headers["Cache-Control"] = "no-cache"
            if version.modified is not None:
                headers["Last-Modified"] = format_datetime(version.modified, usegmt=True)
            if _not_modified(request, etag, version.modified):
                return Response(status_code=304, headers=headers)
            page = cache.get(version.token, (key, lang))
            if page is None:
                page = build(session, lang)
                if page is None:
                    return _missing(request, lang, session)
                cache.put(version.token, (key, lang), page)
        return Response(page.body, media_type=page.media_type, headers=headers)

    def _missing(request: Request, lang: Language, session: Session) -> Response:
        code = request.path_params.get("code", "")
        page = render("not_found.html", lang, session, page="", code=code)
        headers = SECURITY_HEADERS | {"Content-Language": lang, "Vary": "Accept-Language"}
        return Response(page.body, 404, media_type=page.media_type, headers=headers)

    def endpoint(build: Callable[[Request], Build], *, languages: bool = True) -> Any:
        async def handle(request: Request) -> Response:
            key = request.url.path
            return await run_in_threadpool(
                answer, request, key, build(request), languages=languages
            )

        return handle

    def overview(_: Request) -> Build:
        def build(session: Session, lang: Language) -> Page:
            return render(
                "overview.html", lang, session, page="overview", o=public.overview(session)
            )

        return build

    def theme(request: Request) -> Build:
        def build(session: Session, lang: Language) -> Page | None:
            found = public.theme_page(session, code=request.path_params["code"])
            if found is None:
                return None
            return render("theme.html", lang, session, page="theme", p=found)

        return build

    def measure(request: Request) -> Build:
        def build(session: Session, lang: Language) -> Page | None:
            found = public.measure_page(
                session, code=request.path_params["code"], notes=config.notes
            )
            if found is None:
                return None
            return render(
                "measure.html",
                lang,
                session,
                page="measure",
                s=found.state,
                original_due=found.original_due,
                history=found.history,
                reports=found.reports,
                shown=min(found.reports, public.HISTORY_LIMIT),
            )

        return build

    def static(template: str, name: str, **values: Any) -> Callable[[Request], Build]:
        def make(_: Request) -> Build:
            def build(session: Session, lang: Language) -> Page:
                return render(template, lang, session, page=name, **values)

            return build

        return make

    def measures_json(_: Request) -> Build:
        def build(session: Session, _lang: Language) -> Page:
            rows = public.measure_rows(session, notes=config.notes)
            body = {"licence": config.licence, "columns": public.MEASURE_COLUMNS, "measures": rows}
            data = json.dumps(body, ensure_ascii=False, indent=1).encode()
            return Page(data, "application/json", "")

        return build

    def measures_csv(_: Request) -> Build:
        def build(session: Session, _lang: Language) -> Page:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(public.MEASURE_COLUMNS)
            for row in public.measure_rows(session, notes=config.notes):
                writer.writerow([_csv(row[c]) for c in public.MEASURE_COLUMNS])
            return Page(out.getvalue().encode(), "text/csv; charset=utf-8", "")

        return build

    async def history_csv(request: Request) -> Response:
        """Streamed, never cached in memory (a million rows): the ETag still saves a poll."""
        with Session(engine) as session:
            version = public.version(session)
        etag = f'"{version.token}"'
        headers = SECURITY_HEADERS | {"ETag": etag, "Cache-Control": "no-cache"}
        if version.modified is not None:
            headers["Last-Modified"] = format_datetime(version.modified, usegmt=True)
        if _not_modified(request, etag, version.modified):
            return Response(status_code=304, headers=headers)
        return StreamingResponse(_history(engine, notes=config.notes), 200, headers, "text/csv")

    async def stylesheet(request: Request) -> Response:
        css = _templates.get_template("public.css").render(styles=STYLES).encode()
        etag = f'"{hashlib.sha256(css).hexdigest()[:20]}"'
        headers = SECURITY_HEADERS | {"ETag": etag, "Cache-Control": "public, max-age=3600"}
        if _etag_matches(request.headers.get("if-none-match", ""), etag):
            return Response(status_code=304, headers=headers)
        return Response(css, media_type="text/css; charset=utf-8", headers=headers)

    contact = (config.contact or "").strip() or None
    return [
        Route("/", endpoint(overview), methods=["GET"]),
        Route("/theme/{code}", endpoint(theme), methods=["GET"]),
        Route("/measure/{code}", endpoint(measure), methods=["GET"]),
        Route(
            "/data",
            endpoint(
                static(
                    "data.html",
                    "data",
                    measure_columns=public.MEASURE_COLUMNS,
                    history_columns=public.HISTORY_COLUMNS,
                )
            ),
            methods=["GET"],
        ),
        Route(
            "/accessibility",
            endpoint(
                static(
                    "accessibility.html",
                    "accessibility",
                    contact=contact,
                    email="@" in (contact or "") and len((contact or "").split()) == 1,
                )
            ),
            methods=["GET"],
        ),
        Route("/data/measures.json", endpoint(measures_json, languages=False), methods=["GET"]),
        Route("/data/measures.csv", endpoint(measures_csv, languages=False), methods=["GET"]),
        Route("/data/history.csv", history_csv, methods=["GET"]),
        Route("/public.css", stylesheet, methods=["GET"]),
    ]


def _csv(value: Any) -> Any:
    """CSV cells as spreadsheets read them: booleans as true/false, nothing as empty, and
    text that a spreadsheet would run as a formula defused with a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _history(engine: Engine, *, notes: bool) -> Iterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(public.HISTORY_COLUMNS)
    with Session(engine) as session:
        for n, row in enumerate(public.history_rows(session, notes=notes), 1):
            writer.writerow([_csv(value) for value in row])
            if n % 2000 == 0:
                yield out.getvalue().encode()
                out.seek(0)
                out.truncate()
    yield out.getvalue().encode()
