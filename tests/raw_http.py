"""HTTP/1.1 written by hand over a socket, for what an HTTP client will not send: a
Content-Length that the body does not keep, or a chunked body of the size a test chooses.
The answer is read as soon as the server gives it, whether or not it read the whole body."""

from __future__ import annotations

import contextlib
import http.client
import socket
from urllib.parse import urlsplit


def post(url: str, *, headers: dict[str, str], body: bytes = b"", chunked: bool = False):
    """POST `body` to `url` with `headers` (Host and Connection added); chunked in 64 KiB
    chunks when asked, else sent as is after the headers. The answer's (status, body)."""
    parts = urlsplit(url)
    head = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    if chunked:
        head.append("Transfer-Encoding: chunked")
        size = 64 * 1024
        pieces = [body[i : i + size] for i in range(0, len(body), size)]
        body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        # the server may answer and close before the end: its answer is still there to read
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall("\r\n".join(head).encode("latin-1") + b"\r\n\r\n" + body)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.read()
