"""A request body limit enforced before anything parses the body (HTTP 413).

JSON parsing holds the whole document in memory several times over, so a size check after
parsing comes too late. This ASGI middleware refuses a declared ``Content-Length`` over the
limit at once (a declared length within it passes straight through: the server reads exactly
that many bytes). A body without a declared length (chunked) is read here, counting bytes as
they stream in and stopping at the limit; the app then gets the body it read, replayed.
"""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def send_error(send: Send, status: int, detail: str) -> None:
    """A JSON error response shaped like FastAPI's own (``{"detail": ...}``)."""
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """ASGI middleware: bodies over ``max_bytes`` get 413 before the app sees them."""

    def __init__(self, app: Callable[..., Awaitable[None]], max_bytes: int):
        self.app = app
        self.max_bytes = int(max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_big = f"the request body is larger than this server's limit of {self.max_bytes:,} bytes"
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await send_error(send, 400, "Content-Length is not a number")
                return
            if size > self.max_bytes:
                await send_error(send, 413, too_big)
                return
            # The HTTP server delivers exactly the declared length (anything after it is the next
            # request), so a declared size within the limit needs no counting and no copy.
            await self.app(scope, receive, send)
            return
        chunks, total = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_bytes:
                await send_error(send, 413, too_big)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as the server would

        await self.app(scope, replay, send)
