"""Security headers on every response (pure ASGI, so streaming responses stay streaming)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No inline script or style anywhere: everything comes from /static.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.extra = [*HEADERS]
        if hsts:
            self.extra.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _has_nul(scope):
            # No text column takes a NUL (PostgreSQL refuses it): a clear 400, early.
            await _refuse_nul(send, self.extra)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in self.extra if n not in present]
                if b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _has_nul(scope: Scope) -> bool:
    query = scope.get("query_string", b"").lower()
    path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
    return b"%00" in query or b"\x00" in query or b"%00" in path.lower() or b"\x00" in path


async def _refuse_nul(send: Send, extra: list[tuple[bytes, bytes]]) -> None:
    body = (
        b'{"error":{"code":"invalid_input","message":"the URL contains a NUL character",'
        b'"hint":null}}'
    )
    headers = [(b"content-type", b"application/json"), *extra, (b"cache-control", b"no-store")]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})
