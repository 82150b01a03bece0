"""Bounded calls: a call's deadline reaches every socket operation, and answers have a size limit.

A per-attempt read timeout does not bound a call: it limits each wait for the *next* bytes, so a
server that sends one byte a second (in its headers or its body) holds a call for as long as it
likes. Here every receive and send on a connection waits at most the time left before the
deadline of the call in progress on that thread (:data:`socket_scope`), so the call ends at
its deadline whatever the server does. Answers are read in pieces, decompressed piece by piece
by one rule on both APIs (:class:`BoundedBody`, which bounds each piece's decompressed size), and
refused once the decompressed total passes the limit: memory stays bounded by the limit, however
large or compressed the answer is.

Used by the transports only (:mod:`walletpass.transport`, whose connections' sockets are
:class:`DeadlineSocket` (:mod:`walletpass.pools`), and ``walletpass.aio``, which reads answers
through :class:`BoundedBody`); urllib3 stays behind them.
"""

from __future__ import annotations

import functools
import io
import threading
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

if TYPE_CHECKING:  # urllib3 is loaded with the transports (import walletpass does not load it)
    from urllib3.response import BaseHTTPResponse, ContentDecoder

    from walletpass.answer_faults import AnswerFault

__all__ = [
    "AnswerTooLarge",
    "BoundedBody",
    "CorruptEncoding",
    "DeadlinePassed",
    "DeadlineSocket",
    "MalformedAnswer",
    "call_deadline",
    "call_time_left",
    "deadline_passed",
    "enter_call_deadline",
    "expected_length",
    "leave_call_deadline",
    "read_bounded",
    "socket_scope",
]

#: The default for ``max_answer_size``: far above any JSON answer and any ``.pkpass`` download
#: (Wallet passes are typically well under 10 MB), far below what would strain a worker.
DEFAULT_MAX_ANSWER_BYTES = 64 * 1024 * 1024

_CHUNK = 64 * 1024


class _Scope(threading.local):
    """The deadline (a :func:`time.monotonic` instant) by which this thread's socket operations
    end; ``None`` (the class's value, so reading it needs no ``getattr`` default): only the
    per-attempt timeouts apply."""

    deadline: float | None = None


#: Set by the transport around each attempt (:func:`walletpass.exchange.exchange`), the earlier
#: value put back after it: what :class:`DeadlineSocket` bounds every operation by.
socket_scope = _Scope()


class DeadlinePassed(TimeoutError):
    """A socket operation was refused because the call's deadline had passed."""


class AnswerTooLarge(Exception):
    """The answer (after decompression) passed the size limit; ``declared`` when its
    ``Content-Length`` said so before anything was read."""

    def __init__(self, limit: int, *, declared: int | None = None) -> None:
        super().__init__(limit)
        self.limit = limit
        self.declared = declared


class MalformedAnswer(Exception):
    """The answer's framing cannot be trusted (``reason`` says how); it arrived after the
    request was sent, so a write it answers may have taken effect. ``fault``: the entry of
    :mod:`walletpass.answer_faults` it is (``None``: the head was read, its status is trusted)."""

    def __init__(self, reason: str, fault: AnswerFault | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fault = fault


#: The end (a :func:`time.monotonic` instant) of the operation in progress: a context variable,
#: so it is the calling thread's, or the asyncio task's when several share a thread.
_call_end: ContextVar[float | None] = ContextVar("walletpass_call_end", default=None)
_P = ParamSpec("_P")
_R = TypeVar("_R")


class call_deadline:  # (lower case: used as the function it was, `with call_deadline(s):`)
    """Within the block, every request this thread (or asyncio task) sends ends ``seconds`` from
    now at the latest (``None``: no bound). One operation that sends several requests (a create,
    then the lookup that reconciles it) stays within one deadline. An enclosing block's earlier
    end wins. As a decorator (``@call_deadline(5)``), each call of the function is such a block.

    A class, not a generator-based context manager: every public call enters one, and the
    generator's machinery cost several times the context variable's setting.

    :raises RuntimeError: the same instance entered again inside its own block (its exit would
        end the outer block's deadline early): make one per block, as the function form did.
    """

    __slots__ = ("_entered", "_seconds", "_token")

    def __init__(self, seconds: float | None) -> None:
        self._seconds = seconds
        self._token: Token[float | None] | None = None
        self._entered = False

    def __enter__(self) -> None:
        if self._entered:
            raise RuntimeError("this call_deadline block is already entered: make one per block")
        self._entered = True
        self._token = enter_call_deadline(self._seconds)

    def __exit__(self, *exc_info: object) -> None:
        self._entered = False
        token, self._token = self._token, None
        leave_call_deadline(token)

    def __call__(self, function: Callable[_P, _R]) -> Callable[_P, _R]:
        """``function`` with each of its calls inside a block of its own (a fresh instance, so
        calls in several threads, or one inside another, each have theirs)."""
        seconds = self._seconds

        @functools.wraps(function)
        def bounded(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            with call_deadline(seconds):
                return function(*args, **kwargs)

        return bounded


def enter_call_deadline(seconds: float | None) -> Token[float | None] | None:
    """Begin a :class:`call_deadline` block: every request this thread (or asyncio task) sends
    until :func:`leave_call_deadline` is given the token returned ends ``seconds`` from now at
    the latest (``None``: no bound), or at an enclosing block's end when that is earlier.

    The block as two plain calls, for a caller that runs every public call in a ``try`` of its
    own (``token = enter_call_deadline(s)``, then ``leave_call_deadline(token)`` in its
    ``finally``): entering and leaving an instance are calls from C, 7.3 k instructions a block,
    where these two calls cost a third of that.
    """
    if seconds is None:
        return None  # (no bound of its own: an enclosing one, if any, stays in force)
    end = time.monotonic() + seconds
    previous = _call_end.get()
    if previous is not None and previous < end:
        return None  # (the enclosing block ends first: nothing to set or reset)
    return _call_end.set(end)


def leave_call_deadline(token: Token[float | None] | None) -> None:
    """End the block :func:`enter_call_deadline` began (its token): the enclosing block's end,
    if any, is in force again."""
    if token is not None:
        _call_end.reset(token)


def call_time_left() -> float | None:
    """Seconds left of the :func:`call_deadline` in force (``None``: none is set)."""
    end = _call_end.get()
    return None if end is None else end - time.monotonic()


def deadline_passed() -> bool:
    """Whether the deadline of this thread's call in progress has passed."""
    deadline = socket_scope.deadline
    return deadline is not None and time.monotonic() >= deadline


class DeadlineSocket:
    """A connected socket whose every receive and send waits no longer than the deadline allows.

    The socket's own timeout (the per-attempt read timeout urllib3 sets) still applies; the
    deadline only shortens it. Everything else is the wrapped socket's.
    """

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._timeout: float | None = sock.gettimeout()
        self._applied = self._timeout  # what the wrapped socket has now
        # Files open on the socket, and whether it was closed meanwhile: as with any socket's
        # makefile(), the socket closes when the last of them closes (an answer that ends the
        # connection is still read after its connection is closed).
        self._files = 0
        self._close_pending = False

    def settimeout(self, value: float | None) -> None:
        self._timeout = value
        if value != self._applied:  # urllib3 sets the same timeout before every request
            self._sock.settimeout(value)
            self._applied = value

    def gettimeout(self) -> float | None:
        return self._timeout

    def _bound(self) -> None:
        # Far from the deadline the limit is the socket's own timeout, already set: no syscall.
        # The wait allowed: the socket's own timeout, shortened by the deadline when one is set.
        limit = self._timeout
        deadline = socket_scope.deadline
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DeadlinePassed("the call's deadline passed")
            if limit is None or left < limit:  # (not min(): a builtin call costs 1 k here)
                limit = left
        if limit != self._applied:
            self._sock.settimeout(limit)
            self._applied = limit

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self._bound()
        received: int = self._sock.recv_into(buffer, nbytes, flags)
        return received

    def recv(self, size: int, flags: int = 0) -> bytes:
        self._bound()
        received: bytes = self._sock.recv(size, flags)
        return received

    def sendall(self, data: Any, flags: int = 0) -> None:
        self._bound()
        self._sock.sendall(data, flags)

    def send(self, data: Any, flags: int = 0) -> int:
        self._bound()
        sent: int = self._sock.send(data, flags)
        return sent

    def makefile(self, mode: str = "r", buffering: int | None = None, **kwargs: Any) -> Any:
        if mode != "rb":
            return self._sock.makefile(mode, buffering, **kwargs)
        # http.client reads the status line, headers and body through this file: each refill
        # of its buffer is one bounded receive.
        self._files += 1
        return io.BufferedReader(_Reader(self), buffering or io.DEFAULT_BUFFER_SIZE)

    def close(self) -> None:
        """Close the socket, once no file made by :meth:`makefile` is open (as ``socket``'s own
        ``close`` waits for its files)."""
        if self._files:
            self._close_pending = True
        else:
            self._sock.close()

    def _file_closed(self) -> None:
        self._files -= 1
        if not self._files and self._close_pending:
            self._close_pending = False
            self._sock.close()

    # Asked for on every request (urllib3 keeps shutdown at hand while an answer is read, and
    # polls the descriptor before reusing a connection): here, not through __getattr__.

    def shutdown(self, how: int) -> None:
        self._sock.shutdown(how)

    def fileno(self) -> int:
        descriptor: int = self._sock.fileno()
        return descriptor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _Reader(io.RawIOBase):
    def __init__(self, sock: DeadlineSocket) -> None:
        super().__init__()
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        # (DeadlineSocket.recv_into, one call less for every refill of the answer's buffer)
        sock = self._sock
        sock._bound()
        received: int = sock._sock.recv_into(buffer)
        return received

    def close(self) -> None:
        if not self.closed:
            self._sock._file_closed()
        super().close()


def read_bounded(
    raw: BaseHTTPResponse, limit: int, headers: Mapping[str, str] | None = None
) -> bytes:
    """The whole decompressed body of ``raw`` (opened with ``decode_content=False``);
    :class:`AnswerTooLarge` once it passes ``limit`` bytes (checked against ``Content-Length``
    first, then counted while decompressing), :class:`CorruptEncoding` for a corrupt compressed
    body. ``headers``: ``raw``'s headers with lower-case names, repeated ones joined with ", "
    (``None``: read from ``raw``).

    The body is decompressed by :class:`BoundedBody`, as the async transport's answers are, never
    by urllib3's own choice of decoder (which reads ``Content-Encoding: gzip `` with a space as
    an unknown coding): one rule for an answer's content codings on both APIs."""
    fields: Mapping[str, str] = raw.headers if headers is None else headers
    expected = expected_length(raw.status, fields, limit)
    if expected is not None:
        # An uncompressed body of a declared length within the limit: one read, which stops at
        # that length (the HTTP stack reads no further; a shorter body is an incomplete read).
        whole: bytes = raw.read(decode_content=False)
        return whole
    body = BoundedBody(fields.get("content-encoding"), limit)
    while piece := raw.read(_CHUNK, decode_content=False):
        body.feed(piece)
    return body.body()


def expected_length(status: int, headers: Mapping[str, str], limit: int) -> int | None:
    """The size an answer's headers promise for its body (``None``: not told, or compressed),
    checked before anything of the body is read: :class:`MalformedAnswer` for a status below
    100, an informational (1xx) answer left as final, or framing headers HTTP/1.1 does not allow
    (a ``Content-Length`` that is not one byte count, a ``Transfer-Encoding`` other than
    ``chunked``, or both: :data:`walletpass.answer_faults.FRAMING_HEADERS`),
    :class:`AnswerTooLarge` for one past ``limit`` bytes. ``headers``: any case-insensitive
    mapping (or one with lower-case names)."""
    if status < 100:
        # (http.client refuses such a status line itself; aiohttp's parser reads "099" as 99.)
        raise _malformed("STATUS_LINE")
    if status < 200:
        # An informational answer (1xx) is never the last: one left as final says nothing.
        raise MalformedAnswer(f"HTTP {status} is an informational answer, not a final one")
    declared = headers.get("content-length")
    chunked = headers.get("transfer-encoding")
    if declared is not None or chunked is not None:
        count = (declared or "").strip(" \t")
        # One decimal count (RFC 9112 6.3): a list, even of equal values, two fields (joined
        # with ", "), a sign, or a length past any answer's (18 digits: aiohttp's parser calls
        # more an overflow) is refused, as by aiohttp's parser (urllib3 ignores a non-numeric
        # or negative one, and joins equal values). Or chunked, the one transfer coding a
        # client that sends no TE header may be sent (RFC 9112 7.4), and not both (RFC 9112
        # 6.1: "ought to be handled as an error"; http.client would let chunked win).
        if chunked is not None:
            unframed = declared is not None or chunked.strip(" \t").lower() != "chunked"
        else:
            unframed = not (count.isascii() and count.isdigit() and len(count) <= 18)
        if unframed:
            raise _malformed("FRAMING_HEADERS")
    if declared is None:
        return None
    coding = headers.get("content-encoding")
    if coding and coding.strip().lower() != "identity":
        return None  # (a compressed answer's Content-Length says nothing of its decompressed size)
    expected = int(declared)
    if expected > limit:
        raise AnswerTooLarge(limit, declared=expected)
    return expected


def _malformed(name: str) -> MalformedAnswer:
    """The :class:`MalformedAnswer` of the fault ``name`` in :mod:`walletpass.answer_faults`
    (loaded when an answer is first found malformed: the fake, which reads no answers, never
    loads the HTTP side's decisions)."""
    from walletpass import answer_faults

    fault: AnswerFault = getattr(answer_faults, name)
    return MalformedAnswer(fault.reason, fault)


class CorruptEncoding(Exception):
    """The answer's compressed body cannot be decompressed."""


class BoundedBody:
    """An answer's body put together from raw pieces as the HTTP stack hands them over (neither
    transport lets its stack decompress): decompressed by urllib3's decoders, chosen by one rule
    (the coding's case and surrounding whitespace are not part of it, RFC 9110 5.5 and 8.4), a
    bounded piece at a time, and refused once the
    decompressed total passes ``limit`` (:class:`AnswerTooLarge`), so memory stays bounded by
    the limit however large or compressed the answer is. :class:`CorruptEncoding` when the
    compressed body is corrupt.

    ``content_encoding``: the answer's ``Content-Encoding`` header (``None``: not compressed).
    """

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        self._limit = limit
        self._pieces: list[bytes] = []
        self._total = 0
        self._decoder: ContentDecoder | None = None
        self._errors: tuple[type[Exception], ...] = ()
        coding = (content_encoding or "").strip().lower()
        if coding:  # (urllib3, whose decoders these are, is loaded only for a compressed answer)
            from urllib3.response import HTTPResponse

            self._errors = HTTPResponse.DECODER_ERROR_CLASSES
            self._decoder = _decoder_for(coding)

    def feed(self, raw: bytes) -> None:
        """Add the next raw piece of the body."""
        if self._decoder is None:
            self._keep(raw)
            return
        try:
            piece = self._decoder.decompress(raw, max_length=self._room())
            self._keep(piece)
            while self._decoder.has_unconsumed_tail:
                self._keep(self._decoder.decompress(b"", max_length=self._room()))
        except self._errors as exc:
            raise CorruptEncoding(type(exc).__name__) from None

    def body(self) -> bytes:
        """The whole decompressed body, once every piece was fed."""
        if self._decoder is not None:
            try:
                self._keep(self._decoder.flush())
            except self._errors as exc:
                raise CorruptEncoding(type(exc).__name__) from None
        return b"".join(self._pieces)

    def _room(self) -> int:
        # One byte past the limit is enough to know.
        return self._limit + 1 - self._total

    def _keep(self, piece: bytes) -> None:
        if not piece:
            return
        self._total += len(piece)
        if self._total > self._limit:
            raise AnswerTooLarge(self._limit)
        self._pieces.append(piece)


def _decoder_for(encoding: str) -> ContentDecoder | None:
    """urllib3's decoder for a ``Content-Encoding``, chosen as its responses choose it: a known
    coding, or a list of codings of which at least one is known (else the body is kept as is)."""
    from urllib3.response import HTTPResponse, MultiDecoder

    known = HTTPResponse.CONTENT_DECODERS
    if encoding in known or (
        "," in encoding and any(part.strip() in known for part in encoding.split(","))
    ):
        return MultiDecoder(encoding)
    return None
