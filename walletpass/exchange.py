"""One exchange over urllib3: a prepared request sent through a connection pool, its answer read
within the size bound and the call's deadline, and every urllib3 failure translated into the
outcome the retry policy reads (not sent, ambiguous, fatal) or an unreadable answer.

:mod:`walletpass.transport` loads this module (and with it urllib3) when the first transport is
built, so ``import walletpass`` and a program that only uses the fake never load the HTTP stack.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable

from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    HTTPError,
    InvalidHeader,
    LocationValueError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.response import BaseHTTPResponse
from urllib3.util import Retry, Timeout

from walletpass.answer_faults import (
    BODY_BROKEN,
    FRAMING_HEADERS,
    HEAD_TOO_LARGE,
    STATUS_LINE,
    AnswerFault,
    outcome_of,
)
from walletpass.bounds import (
    AnswerTooLarge,
    CorruptEncoding,
    MalformedAnswer,
    read_bounded,
    socket_scope,
)
from walletpass.codings import ACCEPT_ENCODING
from walletpass.heads import MalformedHead, take_fields
from walletpass.pools import MissingProxySupport, Pools
from walletpass.retry import Ambiguous, Fatal, NotSent, Outcome
from walletpass.sending import Answer, Unreadable, new_answer
from walletpass.transport import Prepared

__all__ = ["ACCEPT_ENCODING", "exchange"]


# urllib3 neither retries nor follows redirects: the retry policy decides, with what it knows.
# (One shared object: urllib3 never changes a Retry, it makes a new one.)
_NO_RETRIES = Retry(total=False, redirect=False)


def exchange(
    pools: Pools,
    prepared: Prepared,
    *,
    timeouts: tuple[float, float],
    deadline: float | None,
    max_answer_bytes: int,
    late: Callable[[str, float | None], str],
) -> tuple[Answer | None, Outcome | Unreadable | None, BaseException | None]:
    """Send ``prepared`` once and read the whole answer.

    Args:
        timeouts: connect and read timeouts of this attempt, in seconds.
        deadline: the :func:`time.monotonic` instant by which every socket operation ends.
        max_answer_bytes: the largest answer read (decompressed).
        late: ``late(reason, deadline)``: the reason, or that the call's deadline cut the
            attempt short when it did.

    Returns:
        ``(answer, None, None)`` when an answer (any status) was read whole; otherwise
        ``(None, outcome, cause)``: what the retry policy reads (``NotSent``, ``Ambiguous``,
        ``Fatal``) or :class:`~walletpass.sending.Unreadable` (an answer that arrived but
        cannot be used), and the HTTP stack's exception when there was one. Never raises for
        anything the network or the vendor does.
    """
    response: BaseHTTPResponse | None = None
    try:
        pool = pools.for_endpoint(prepared.endpoint)
    except MissingProxySupport as exc:
        return None, Fatal(f"invalid request: {exc}"), None
    except OSError as exc:  # (ssl.SSLError is one) the CA bundle cannot be loaded
        return None, Fatal(f"TLS error: the CA bundle cannot be used ({type(exc).__name__})"), exc
    # Socket operations on this thread end by the deadline (bounds.DeadlineSocket) until the
    # answer is read; the earlier value is put back (set here, not by a context manager: two
    # attribute writes, where an object made and entered per attempt cost 3 k instructions).
    previous = socket_scope.deadline
    try:
        socket_scope.deadline = deadline
        try:
            take_fields()  # (none of an earlier answer's)
            response = pool.urlopen(
                prepared.method,
                prepared.target,
                body=prepared.body,
                headers=prepared.headers,
                retries=_NO_RETRIES,
                redirect=False,
                assert_same_host=False,
                timeout=_timeout(timeouts),
                preload_content=False,
                decode_content=False,
                release_conn=False,
            )
            # Repeated headers joined with ", ", as one value each (as requests read them).
            lowered = take_fields()
            if lowered is None:
                lowered = {k.lower(): v for k, v in response.headers.itermerged()}
            # Read the body inside the try: a reset while streaming it is still ambiguous.
            content = read_bounded(response, max_answer_bytes, lowered)
        finally:
            socket_scope.deadline = previous
        response.release_conn()  # read to its end: the connection serves the next call
    except AnswerTooLarge as exc:
        assert response is not None
        _discard(response)  # the rest is never read: the connection cannot be reused
        size = f"{exc.declared} bytes" if exc.declared else "more"
        why = f"the answer is larger than max_answer_size ({exc.limit} bytes; it has {size})"
        return None, Unreadable(response.status, why), None
    except MalformedAnswer as exc:
        assert response is not None
        _discard(response)
        if exc.fault is not None:
            return None, outcome_of(exc.fault, late, deadline), None
        return None, Unreadable(response.status, exc.reason), None
    except CorruptEncoding:
        assert response is not None
        _discard(response)
        return None, Unreadable(response.status, "its compressed body is corrupt"), None
    except SSLError as exc:
        return None, Fatal(f"TLS error: {type(exc).__name__}"), exc
    except NewConnectionError as exc:  # (a ConnectTimeoutError: before that clause)
        return None, NotSent(late("connection failed", deadline)), exc
    except ConnectTimeoutError as exc:
        return None, NotSent(late("connect timeout", deadline)), exc
    except ReadTimeoutError as exc:
        if response is not None:
            _discard(response)
        return None, Ambiguous(late("read timeout", deadline)), exc
    except ClosedPoolError as exc:  # let go of while choosing a connection: nothing sent
        return None, NotSent(late("connection pool closed", deadline)), exc
    except LocationValueError as exc:
        # Raised reading the request target, before a connection is chosen.
        return None, Fatal(f"invalid request: {type(exc).__name__}"), exc
    except InvalidHeader as exc:
        # Headers were checked when preparing: this one is the answer's (conflicting
        # Content-Length values), which came after the request was sent.
        return None, outcome_of(FRAMING_HEADERS, late, deadline), exc
    except (ProtocolError, ProxyError, OSError) as exc:
        if response is not None:
            _discard(response)
        if _never_connected(exc):
            return None, NotSent(late("connection failed", deadline)), exc
        fault = answer_fault(exc, reading_body=response is not None)
        if fault is not None:
            return None, outcome_of(fault, late, deadline), exc
        return None, Ambiguous(late("connection lost after sending", deadline)), exc
    except (HTTPError, ValueError, OverflowError) as exc:
        # (urllib3's own errors come from reading the body: a truncated answer, say; http.client
        # reads a negative or huge chunk size as a length it cannot read.)
        if response is not None:
            _discard(response)
            return None, outcome_of(BODY_BROKEN, late, deadline), exc
        return None, Ambiguous(late(f"transport error: {type(exc).__name__}", deadline)), exc
    return new_answer((response.status, lowered, content)), None, None


#: The last attempt's timeouts as urllib3's ``Timeout`` (which it copies, never changes): the
#: configured pair is the same on almost every call, and a ``Timeout`` checks both values anew.
_last_timeout: list[tuple[tuple[float, float], Timeout]] = [
    ((5.0, 30.0), Timeout(connect=5.0, read=30.0))
]


def _timeout(timeouts: tuple[float, float]) -> Timeout:
    last = _last_timeout[0]  # (one read: another thread may replace it meanwhile)
    if last[0] == timeouts:
        return last[1]
    made = Timeout(connect=timeouts[0], read=timeouts[1])
    _last_timeout[0] = (timeouts, made)
    return made


def answer_fault(exc: BaseException, *, reading_body: bool) -> AnswerFault | None:
    """The entry of :mod:`walletpass.answer_faults` that ``http.client``'s complaint behind
    ``exc`` (a urllib3 error) is, by its type (``None``: the connection was lost, nothing was
    malformed). ``reading_body``: the head had been read.

    ``http.client`` gives a type to each fault but one: more than 100 header fields is a plain
    ``HTTPException``, told apart by its text ("got more than 100 headers"), tested in
    ``tests/test_malformed_answer_heads.py``.
    """
    for current in _chain(exc):
        if isinstance(current, MalformedHead):  # (walletpass.heads: refused before http.client)
            return current.fault
        if isinstance(current, http.client.RemoteDisconnected):
            return None  # closed before the status line: the connection was lost
        if isinstance(current, http.client.BadStatusLine):
            # A line cut off by the close (no line end) is the connection lost, not garbage.
            line = current.args[0] if current.args else ""
            line = line if isinstance(line, str) else ""
            cut = not line.endswith("\n") and (line.startswith("HTTP/") or "HTTP/".startswith(line))
            return None if cut else STATUS_LINE
        if isinstance(current, http.client.UnknownProtocol):
            return STATUS_LINE
        if isinstance(current, http.client.LineTooLong):
            return BODY_BROKEN if "chunk" in str(current) else HEAD_TOO_LARGE
        if isinstance(current, http.client.IncompleteRead):
            return BODY_BROKEN
        if type(current) is http.client.HTTPException and "headers" in str(current):
            return HEAD_TOO_LARGE
    return BODY_BROKEN if reading_body else None


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps (causes, contexts, and urllib3's exceptions in ``args``)."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [exc]
    while pending and len(seen) < 16:
        current = pending.pop(0)
        if current is None or any(current is known for known in seen):
            continue
        seen.append(current)
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        pending.extend([current.__cause__, current.__context__])
    return seen


def _discard(response: BaseHTTPResponse) -> None:
    """Close an answer that was not read to its end, and give its pool slot back."""
    response.close()
    response.release_conn()


def _never_connected(exc: BaseException) -> bool:
    """True when the failure happened before a connection existed (nothing was sent)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, NewConnectionError | ConnectionRefusedError):
            return True
        pending.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        pending.extend(
            arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException)
        )
    return False
