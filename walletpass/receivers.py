"""Thin webhook receivers: a WSGI app and an ASGI app that hand verified events to your code.

Both do the same four things, in the framework-agnostic way every Python web stack can mount:
read the body (refusing more than :data:`walletpass.webhooks.MAX_WEBHOOK_BYTES`), call
``provider.parse_events`` with the subscription's secret, call ``handler`` with the events, and
answer. A delivery that fails verification is answered 403 (400 for an unreadable one) and
logged by reason only — never the secret, the signature or the body. A handler that raises, or a
secret function that fails or gives no secret, is answered 500 (so a vendor that retries
delivers again) and logged (with the traceback of your code's error).

Flask / Django (WSGI)::

    app = wsgi_receiver(wallet, secret=os.environ["PASSENTRY_WEBHOOK_SECRET"], handler=on_events)

FastAPI / Starlette (ASGI)::

    app.mount("/webhooks/passentry", asgi_receiver(wallet, secret=..., handler=on_events))
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from walletpass.capabilities import Capability
from walletpass.errors import WebhookError
from walletpass.events import PassEvent
from walletpass.redaction import masked_logger, register_secret
from walletpass.webhooks import DEFAULT_TOLERANCE, MAX_WEBHOOK_BYTES, check_tolerance

if TYPE_CHECKING:
    from walletpass.aio.provider import AsyncProvider
    from walletpass.provider import Provider

__all__ = ["asgi_receiver", "wsgi_receiver"]

logger = masked_logger("walletpass.webhooks")

Handler = Callable[[Sequence[PassEvent]], Any]


def _check_receiving(provider: Provider | AsyncProvider) -> None:
    # When the app is made, not at each delivery: there parse_events' UnsupportedOperation left
    # the app uncaught, a bare 500 and a traceback per delivery, retried by the vendor forever.
    provider.require(Capability.EVENTS_RECEIVE)


def _status_for(error: WebhookError) -> int:
    return 400 if error.reason == "unreadable" else 403


def _answer(status: int, reason: str | None = None) -> tuple[str, bytes]:
    phrases = {
        200: "200 OK",
        400: "400 Bad Request",
        403: "403 Forbidden",
        405: "405 Method Not Allowed",
        413: "413 Content Too Large",
        500: "500 Internal Server Error",
    }
    body = {"status": "ok"} if status == 200 else {"error": reason or "refused"}
    return phrases[status], json.dumps(body).encode()


Secret = str | bytes | SecretStr | Callable[[], str | bytes | SecretStr]


def _receive(
    provider: Provider | AsyncProvider,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    secret: Secret,
    tolerance: float | None,
) -> tuple[int, list[PassEvent], str | None]:
    try:
        key = secret() if callable(secret) else secret
    except Exception:
        logger.exception("the %s webhook secret function failed", provider.name)
        return 500, [], "no secret"
    value = key.get_secret_value() if isinstance(key, SecretStr) else key
    if not isinstance(value, str | bytes) or not value:
        # Our configuration, not the sender's fault: 500, so a vendor that retries comes back.
        # An empty SecretStr or a value that is no text is no secret either: verifying with it
        # would answer 403, blaming the delivery.
        logger.error(
            "no %s webhook secret is configured (%s): answered 500",
            provider.name,
            "empty" if isinstance(value, str | bytes) or value is None else "not text",
        )
        return 500, [], "no secret"
    try:
        # The header pairs as received: a repeated header stays visible to the verification.
        events = provider.parse_events(list(headers), body, secret=key, tolerance=tolerance)
    except WebhookError as exc:
        logger.warning(
            "refused a %s webhook delivery: %s", provider.name, exc.reason
        )  # the reason only: never the body, the signature or the secret
        return _status_for(exc), [], exc.reason
    return 200, events, None


def _handler_failed(provider: Provider | AsyncProvider) -> tuple[int, str]:
    logger.exception("the %s webhook handler raised: answered 500", provider.name)
    return 500, "handler failed"


def wsgi_receiver(
    provider: Provider,
    *,
    secret: Secret,
    handler: Handler,
    tolerance: float | None = DEFAULT_TOLERANCE,
) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """A WSGI app receiving ``provider``'s webhook deliveries at any path it is mounted on.

    ``secret`` is the subscription's signing secret, or a function returning the current one
    (so a rotation needs no restart).

    ``handler(events)`` runs before the answer is sent; if it raises, the delivery is answered
    500 so the vendor retries it (where it retries). WSGI cannot await: a handler that returns
    an awaitable is answered 500 too (the awaitable closed unrun, never a 200 for events nobody
    handled); mount :func:`asgi_receiver` for a coroutine handler. A body sent without
    ``Content-Length`` (chunked) is read where the server marks its end
    (``wsgi.input_terminated``), still at most :data:`~walletpass.webhooks.MAX_WEBHOOK_BYTES`.
    Returns the WSGI callable.

    Raises:
        UnsupportedOperation: the provider's vendor delivers no webhooks walletpass can read
            (``events.receive`` NONE: Livepasses, Pass2U, LivePass, their fake profiles), which
            ``parse_events`` would raise at every delivery.
        ValidationError: (``tolerance``) not a number of seconds above 0 and at most a year;
            (``handler``) a coroutine function.
    """
    _check_receiving(provider)
    tolerance = check_tolerance(tolerance)
    register_secret(secret)  # (a function's result is, by parse_events, at each delivery)
    if inspect.iscoroutinefunction(handler):
        from walletpass.errors import FieldProblem, ValidationError

        raise ValidationError.from_problems(
            [
                FieldProblem(
                    "handler",
                    "is a coroutine function, which a WSGI app cannot await: use asgi_receiver",
                )
            ]
        )

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "GET").upper() != "POST":
            status, body = _answer(405, "POST only")
            start_response(status, [("Content-Type", "application/json"), ("Allow", "POST")])
            return [body]
        raw = _wsgi_body(environ)
        if raw is None:
            status, body = _answer(413, "too large")
            start_response(status, [("Content-Type", "application/json")])
            return [body]
        headers = [
            (key[5:].replace("_", "-").lower(), str(value))
            for key, value in environ.items()
            if key.startswith("HTTP_")
        ]
        if environ.get("CONTENT_TYPE"):
            headers.append(("content-type", str(environ["CONTENT_TYPE"])))
        code, events, reason = _receive(provider, headers, raw, secret, tolerance)
        if code == 200:
            try:
                outcome = handler(events)
            except Exception:
                code, reason = _handler_failed(provider)
            else:
                if inspect.isawaitable(outcome):
                    close = getattr(outcome, "close", None)
                    if callable(close):
                        close()  # never run: no "coroutine was never awaited" warning either
                    logger.error(
                        "the %s webhook handler returned an awaitable, which a WSGI app cannot "
                        "await: answered 500 (mount asgi_receiver for a coroutine handler)",
                        provider.name,
                    )
                    code, reason = 500, "handler failed"
        status, body = _answer(code, reason)
        start_response(status, [("Content-Type", "application/json")])
        return [body]

    return app


def _wsgi_body(environ: dict[str, Any]) -> bytes | None:
    """The request body, ``None`` if it is (or claims to be) larger than the cap."""
    stream = environ.get("wsgi.input")
    text = str(environ.get("CONTENT_LENGTH") or "").strip()
    if not text:
        # No length: only a server that marks the end of the input (chunked bodies) can be
        # read to its end; otherwise reading could wait for bytes that never come.
        if stream is None or not environ.get("wsgi.input_terminated"):
            return b""
        raw = bytes(stream.read(MAX_WEBHOOK_BYTES + 1))
        return None if len(raw) > MAX_WEBHOOK_BYTES else raw
    if not (text.isascii() and text.isdigit()) or len(text) > 12 or int(text) > MAX_WEBHOOK_BYTES:
        return None  # a length that is not a plain number is refused like an oversized one
    return bytes(stream.read(int(text))) if stream is not None and int(text) else b""


def asgi_receiver(
    provider: Provider | AsyncProvider,
    *,
    secret: Secret,
    handler: Callable[[Sequence[PassEvent]], Awaitable[Any] | Any],
    tolerance: float | None = DEFAULT_TOLERANCE,
) -> Callable[..., Awaitable[None]]:
    """An ASGI app receiving ``provider``'s webhook deliveries (``handler`` may be async;
    ``provider`` a sync provider or a :class:`walletpass.aio.AsyncProvider`).

    Verification is CPU-only (an HMAC over a small body), so it runs on the event loop. A
    coroutine function ``handler`` is awaited on the loop; a plain function runs in a worker
    thread (``asyncio.to_thread``, as Starlette runs a plain endpoint), so one that blocks does
    not hold up the server's other requests; an awaitable it returns is awaited on the loop. A
    handler that raises is answered 500.

    Raises:
        UnsupportedOperation: the provider's vendor delivers no webhooks walletpass can read
            (``events.receive`` NONE), which ``parse_events`` would raise at every delivery.
        ValidationError: (``tolerance``) not a number of seconds above 0 and at most a year.
    """
    _check_receiving(provider)
    tolerance = check_tolerance(tolerance)
    register_secret(secret)  # (a function's result is, by parse_events, at each delivery)
    from asyncio import to_thread  # (an ASGI server has asyncio loaded; WSGI users need not)

    handled_on_the_loop = inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
        type(handler).__call__  # (an instance whose __call__ is a coroutine function)
    )

    async def app(
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        if scope.get("method", "GET").upper() != "POST":
            await _send(send, 405, "POST only")
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_WEBHOOK_BYTES:
                await _send(send, 413, "too large")
                return
            chunks.append(chunk)
            more = bool(message.get("more_body"))
        headers = [
            (bytes(k).decode("latin-1"), bytes(v).decode("latin-1"))
            for k, v in scope.get("headers", [])
        ]
        code, events, reason = _receive(provider, headers, b"".join(chunks), secret, tolerance)
        if code == 200:
            try:
                if handled_on_the_loop:
                    outcome = handler(events)
                else:
                    # A plain function may block (a database write): run in a worker thread,
                    # as Starlette runs a plain endpoint, so the server's other requests go on.
                    outcome = await to_thread(handler, events)
                if inspect.isawaitable(outcome):
                    await outcome
            except Exception:
                code, reason = _handler_failed(provider)
        await _send(send, code, reason)

    return app


async def _send(
    send: Callable[[dict[str, Any]], Awaitable[None]], code: int, reason: str | None
) -> None:
    _, body = _answer(code, reason)
    await send(
        {
            "type": "http.response.start",
            "status": code,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
