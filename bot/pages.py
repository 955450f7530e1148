"""The pages the Teams app manifest links to: about (with the terms of use) and the privacy
notice. Server-rendered, escaped, readable without JavaScript; the text comes from the
message catalogue, in the reader's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from handlers.messages import Language, Messages

LANGUAGES: tuple[Language, ...] = ("fi", "en")
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def language(request: Request, default: Language) -> Language:
    """`?lang=` if given, else the browser's first language we speak, else the default."""
    asked = request.query_params.get("lang", "").strip().lower()
    if asked in LANGUAGES:
        return asked
    return accepted(request.headers.get("accept-language", "")) or default


def accepted(header: str, languages: tuple[Language, ...] = LANGUAGES) -> Language | None:
    """The most preferred of `languages` in an Accept-Language header (RFC 9110 q-values)."""
    best: tuple[float, Language] | None = None
    for position, item in enumerate(header.split(",")):
        tag, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.lower().split("-")[0]
        if primary in languages and quality > 0:
            rank = quality - position * 1e-6  # equal q: the one listed first
            if best is None or rank > best[0]:
                best = (rank, primary)
    return best[1] if best else None


def routes(default: Language, *, privacy_contact: str | None = None) -> list[Route]:
    contact = (privacy_contact or "").strip() or None

    def page(name: str) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            lang = language(request, default)
            html = _templates.get_template(f"{name}.html").render(
                t=Messages(lang),
                lang=lang,
                other=next(other for other in LANGUAGES if other != lang),
                contact=contact,
                email="@" in (contact or "") and len((contact or "").split()) == 1,
            )
            headers = {"Content-Language": lang, "Vary": "Accept-Language"}
            return HTMLResponse(html, headers=headers)

        return endpoint

    return [
        Route("/about", page("about"), methods=["GET"]),
        Route("/privacy", page("privacy"), methods=["GET"]),
    ]
