"""Request bodies read with a cap, before anything parses them: Slack and Teams send small
payloads, so a larger body is refused with 413 and its rest is never read into memory."""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message

# Slack's largest payload carries one of our own views back (a block action on the home
# tab), and Slack refuses views over 250 KB; form-encoding at most triples every byte.
SLACK_MAX_BODY = 1024 * 1024
# A Teams message is at most about 100 KB, card submissions carry a card's few fields, but a
# conversation update lists every member added at once (a team holds up to 25,000).
TEAMS_MAX_BODY = 4 * 1024 * 1024


async def read_body(request: Request, limit: int) -> bytes | Response:
    """The body, or the answer to give instead: 413 when it is longer than `limit` (by its
    Content-Length, or else counted as it streams in, chunked), 400 when the client left."""
    # Connection: close, or the server would go on receiving (and dropping) the rest
    too_large = JSONResponse(
        {"error": "request body too large"}, status_code=413, headers={"Connection": "close"}
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and (len(declared) > 15 or int(declared) > limit):
        return too_large
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return too_large
            chunks.append(chunk)
    except ClientDisconnect:
        return Response(status_code=400)
    return b"".join(chunks)


def replayed(request: Request, body: bytes) -> Request:
    """The same request with its body already read, for code that reads it again."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:  # then wait, as the server does, for the client to leave
            return await request.receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)
