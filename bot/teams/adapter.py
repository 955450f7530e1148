"""The Microsoft Teams adapter on the Microsoft 365 Agents SDK: `/api/messages` in the same
Starlette app as Slack's `/slack/events`, handing text and users to the same handlers.

Incoming requests are JWT-validated by the SDK's per-route decorator (app id, secret and
tenant from CONNECTIONS__SERVICE_CONNECTION__SETTINGS__*), once we have refused tokens that
cannot be Microsoft's; anonymous requests are refused unless ANONYMOUS_ALLOWED is set, which
is for local testing only. Only then is the body read, with a cap, and checked to be an
activity. What each kind of activity does is in bot/teams/listeners/, one module a kind, as
for Slack; this module holds what they share (who is asking, remembering the conversation,
sending cards) and speaking unprompted (summaries and reminders)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import jwt
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    ConversationReference,
    InvokeResponse,
    load_configuration_from_env,
)
from microsoft_agents.hosting.core import (
    AccessTokenProviderBase,
    AgentApplication,
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    ApplicationOptions,
    ClaimsIdentity,
    ConnectionManager,
    ConnectorClientBase,
    MemoryStorage,
    TeamsConnectorClient,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.fastapi import (
    CloudAdapter,
    jwt_authorization_decorator,
    start_agent_process,
)
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.http_body import TEAMS_MAX_BODY, read_body, replayed
from bot.metrics import Metrics
from bot.teams import cards, listeners
from handlers.context import Actor, Context
from handlers.directory import Found
from handlers.language import personal
from handlers.reminders import Gone
from handlers.replies import Reply
from handlers.summary.post import ChannelUnknown, Publisher
from storage import conversations
from storage.db import session_scope

log = logging.getLogger(__name__)
PLATFORM = "teams"
EMAIL_TTL = 3600.0


def _token_provider(config: AgentAuthConfiguration) -> AccessTokenProviderBase:
    if config.CLIENT_ID:  # production: Entra tokens for the replies
        from microsoft_agents.authentication.msal import MsalAuth

        return MsalAuth(config)
    return AnonymousTokenProvider()


def connection_manager(env: Mapping[str, str]) -> ConnectionManager:
    config = load_configuration_from_env(env)
    config["CONNECTIONS"].setdefault("SERVICE_CONNECTION", {"SETTINGS": {}})
    return ConnectionManager(provider_factory=_token_provider, **config)


class TeamsBot:
    PLATFORM = PLATFORM

    def __init__(
        self, ctx: Context, *, env: Mapping[str, str] | None = None, metrics: Metrics | None = None
    ) -> None:
        self.metrics = metrics or Metrics()
        self.connections = connection_manager(os.environ if env is None else env)
        self.auth_config = self.connections.get_default_connection_configuration()
        self.adapter = CloudAdapter(connection_manager=self.connections)
        self.app = AgentApplication[TurnState](
            ApplicationOptions(
                storage=MemoryStorage(), start_typing_timer=False, remove_recipient_mention=True
            ),
            connection_manager=self.connections,
        )
        self.ctx = replace(
            ctx, source=PLATFORM, prefix="", forms=True, directory=TeamsPeople(ctx.engine)
        )
        self.publisher: Publisher | None = None
        self._emails: dict[str, tuple[float, str | None, str | None]] = {}
        listeners.register(self.app, self)

    # --- HTTP ---

    def route(self) -> Route:
        @jwt_authorization_decorator
        async def authorized(request: Request) -> Response:
            body = await read_body(request, TEAMS_MAX_BODY)
            if isinstance(body, Response):
                return body
            if problem := _not_an_activity(body):
                log.warning("Teams request refused: %s", problem)
                return JSONResponse({"error": problem}, status_code=400)
            answer = await start_agent_process(replayed(request, body), self.app, self.adapter)
            return Response(status_code=202) if answer is None else answer  # it always answers

        async def messages(request: Request) -> Response:
            if problem := _unusable_token(request.headers.get("authorization")):
                log.warning("Teams request refused: %s", problem)
                return JSONResponse({"error": "invalid token"}, status_code=401)
            return await authorized(request)

        return Route("/api/messages", messages, methods=["POST"])

    # --- who is asking ---

    async def actor(self, context: TurnContext) -> Actor:
        sender = context.activity.from_property
        email, upn = await self._email(context, sender.id)
        others = tuple(i for i in (sender.id, upn) if i and i != email)
        ids: tuple[tuple[str, str], ...] = ()
        ids += (("teams_aad_id", sender.aad_object_id),) if sender.aad_object_id else ()
        ids += (("teams_id", sender.id),) if sender.id else ()
        return Actor(
            user_id=sender.aad_object_id or sender.id,
            email=email,
            other_ids=others,
            locale=context.activity.locale or None,
            name=sender.name or None,
            platform_ids=ids,
        )

    async def ctx_for(self, actor: Actor) -> Context:
        """The context answering this person in their language (the activity's locale, or
        the language they chose)."""
        return await asyncio.to_thread(personal, self.ctx, actor)

    async def _email(self, context: TurnContext, user_id: str) -> tuple[str | None, str | None]:
        """The member's e-mail and UPN (they can differ), looked up once an hour."""
        cached = self._emails.get(user_id)
        if cached and cached[0] > time.monotonic():
            return cached[1], cached[2]
        email = upn = None
        try:
            # The SDK keys the turn's client by its Protocol; its factory makes a Teams one.
            client = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
            if not isinstance(client, TeamsConnectorClient):
                raise LookupError(f"no Teams connector client, but {type(client).__name__}")
            member = await client.get_conversation_member(context.activity.conversation.id, user_id)
            email, upn = member.email, member.user_principal_name
        except Exception as failed:  # an unknown member, or the connector is down
            log.warning("member lookup for %s failed: %s", user_id, failed)
        self._emails[user_id] = (time.monotonic() + EMAIL_TTL, email or upn, upn)
        return email or upn, upn

    async def remember(self, context: TurnContext) -> None:
        """Keep the conversation reference in the database: any process may speak later."""
        a = context.activity
        channel_data = a.channel_data if isinstance(a.channel_data, dict) else {}
        conversation_type = a.conversation.conversation_type or "personal"
        conversation_id = a.conversation.id
        if conversation_type == "channel":
            conversation_id = (channel_data.get("channel") or {}).get(
                "id"
            ) or conversation_id.split(";")[0]
        reference = a.get_conversation_reference()
        reference.conversation.id = conversation_id
        tenant = a.conversation.tenant_id or (channel_data.get("tenant") or {}).get("id")
        email = None
        if conversation_type == "personal":
            email = (await self._email(context, a.from_property.id))[0]
        personal = conversation_type == "personal"
        row = {
            "platform": PLATFORM, "conversation_id": conversation_id, "kind": conversation_type,
            "service_url": a.service_url, "tenant_id": tenant,
            "reference": reference.model_dump_json(by_alias=True, exclude_none=True),
            "user_id": a.from_property.id if personal else None,
            "aad_object_id": a.from_property.aad_object_id if personal else None,
            "email": email,
        }  # fmt: skip
        await asyncio.to_thread(self._save, row)

    def _save(self, row: dict) -> None:
        for attempt in range(2):  # two turns of one conversation may race to insert it
            try:
                with session_scope(self.ctx.engine) as session:
                    conversations.remember(session, **row)
                return
            except IntegrityError:
                if attempt:
                    raise
            except OperationalError:  # the database is away (logged once): the next turn saves it
                return

    # --- replies ---

    async def reply(self, context: TurnContext, reply: Reply) -> None:
        for content in cards.render_cards(reply):
            await context.send_activity(Activity.model_validate(cards.activity(content)))

    async def invoke_response(self, context: TurnContext, body: Any) -> None:
        await context.send_activity(
            Activity(
                type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body)
            )
        )

    # --- speaking unprompted (summaries and reminders) ---

    def claims(self) -> ClaimsIdentity:
        app_id = self.auth_config.CLIENT_ID
        return self.adapter.create_claims_identity(app_id) if app_id else ClaimsIdentity()

    def send(self, reference: str, activity: dict, *, conversation_id: str | None = None) -> str:
        """Post an activity into a remembered conversation; its id. From any thread but the
        server's event loop (summaries and reminders run on worker threads)."""
        return asyncio.run(self._send(reference, activity, conversation_id))

    async def _send(self, reference: str, activity: dict, conversation_id: str | None) -> str:
        ref = ConversationReference.model_validate(json.loads(reference))
        if conversation_id:
            ref.conversation.id = conversation_id
        continuation = ref.get_continuation_activity()
        continuation.id = None  # a new message, not a reply to the continuation's random id
        sent: dict[str, str] = {}

        async def callback(context: TurnContext) -> None:
            response = await context.send_activity(Activity.model_validate(activity))
            sent["id"] = response.id if response else ""

        await self.adapter.continue_conversation_with_claims(self.claims(), continuation, callback)
        return sent["id"]


def _unusable_token(authorization: str | None) -> str | None:
    """Why a bearer token cannot be a Bot Framework token (signed RS256, naming its key),
    checked before the SDK, which fails on a token without a key id instead of refusing it.
    No header, or another scheme, is the SDK's to answer."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return "a malformed token"
    if header.get("alg") != "RS256":
        return f"a token signed with {str(header.get('alg'))[:20]!r}, not RS256"
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        return "a token without a key id"
    return None


def _not_an_activity(body: bytes) -> str | None:
    """Why a body is not an activity the SDK can take (it answers 500 to `{}` or `[]`)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: `[[[[…` nested past the stack
        return "not JSON"
    if not isinstance(data, dict) or not data.get("type") or not isinstance(data["type"], str):
        return "not an activity"
    conversation = data.get("conversation")
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str):
        return "an activity without a conversation"
    try:
        Activity.model_validate(data)
    except ValidationError as invalid:
        return f"an invalid activity ({invalid.error_count()} errors)"
    return None


class TeamsPublisher:
    """The summary into a Teams channel: the main post, then replies in its thread."""

    platform = "teams"
    chart_dpi = 60  # the chart travels inside a card: keep it small

    def __init__(self, bot: TeamsBot, channel: str) -> None:
        self.bot = bot
        self.channel = channel

    def _reference(self) -> str:
        with session_scope(self.bot.ctx.engine) as session:
            row = conversations.find(session, platform=PLATFORM, conversation_id=self.channel)
        if row is None:
            raise ChannelUnknown(self.channel)
        return row.reference

    def render(self, part: Reply) -> list[dict]:
        return [cards.activity(content) for content in cards.render_cards(part)]

    def post(self, message: dict, *, thread: str | None, key: str) -> str:
        conversation = f"{self.channel};messageid={thread}" if thread else self.channel
        return self.bot.send(self._reference(), message, conversation_id=conversation)

    def find(self, key: str, *, thread: str | None) -> str | None:
        return None  # a bot cannot read a channel's messages back: a crash may repeat one

    def upload_chart(self, png: bytes, *, title: str, thread: str | None, key: str) -> str:
        return self.post(cards.activity(cards.chart_card(png, title)), thread=thread, key=key)


class TeamsPeople:
    """Someone a coordinator names, as Teams lets the bot know them: only a user who has a
    personal chat with the bot (its reference remembered) can be found, and reached
    (handlers.directory.Directory)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def find(self, ref: str) -> Found | None:
        with session_scope(self.engine) as session:
            row = conversations.personal(session, platform=PLATFORM, person_ref=ref)
            if row is None:
                return None
            user = json.loads(row.reference).get("user") or {}
            ids: tuple[tuple[str, str], ...] = ()
            ids += (("teams_aad_id", row.aad_object_id),) if row.aad_object_id else ()
            ids += (("teams_id", row.user_id),) if row.user_id else ()
            return Found(
                user_id=row.aad_object_id or row.user_id or ref,
                email=row.email,
                name=user.get("name") or None,
                platform_ids=ids,
            )


class TeamsMessenger:
    """Reminders as personal messages, in chats remembered from earlier activities."""

    def __init__(self, bot: TeamsBot) -> None:
        self.bot = bot

    def locale(self, person_ref: str) -> str | None:
        """The locale of the person's last activity in their personal chat, if any."""
        with session_scope(self.bot.ctx.engine) as session:
            row = conversations.personal(session, platform=PLATFORM, person_ref=person_ref)
        if row is None:
            return None
        locale = json.loads(row.reference).get("locale")
        return locale if isinstance(locale, str) else None

    def send_direct(self, person_ref: str, reply: Reply) -> bool:
        with session_scope(self.bot.ctx.engine) as session:
            row = conversations.personal(session, platform=PLATFORM, person_ref=person_ref)
        if row is None:
            return False
        try:
            for content in cards.render_cards(reply):
                self.bot.send(row.reference, cards.activity(content))
        except Exception as failed:  # the SDK raises aiohttp's ClientResponseError
            if getattr(failed, "status", None) == 404:  # the member is no longer found: gone
                raise Gone("teams:MemberNotFound") from failed
            raise
        return True
