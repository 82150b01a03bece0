"""Webhook delivery for emulators: signed POSTs to receivers on this machine.

An emulator with a registered subscription hands each event to a :class:`WebhookSender`, which
POSTs it from a background thread, in order, to the subscription's URL. Only loopback addresses
are ever contacted (tests run receivers on 127.0.0.1): a delivery to any other address is
recorded as not sent (``Delivery.error``), as a vendor's delivery to an unreachable receiver
fails, without failing the API call that caused the event. Each attempt is recorded in
:attr:`WebhookSender.deliveries` so tests can assert what was sent, and
:meth:`WebhookSender.wait` lets a test wait for the queue to drain.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import requests

from walletpass.urls import UrlError, parse_url

__all__ = ["Delivery", "WebhookSender", "is_loopback_url"]


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` is an http(s) URL whose host is this machine, as
    :func:`walletpass.urls.parse_url` (the parser walletpass connects with) reads it."""
    try:
        return parse_url(url).is_loopback
    except UrlError:
        return False


@dataclass
class Delivery:
    """One attempt to deliver one event: what was sent and how the receiver answered."""

    url: str
    body: bytes
    headers: dict[str, str]
    status: int | None = None
    error: str | None = None
    attempt: int = 1


@dataclass
class _Job:
    url: str
    body: bytes
    headers: dict[str, str]
    attempts: int


@dataclass
class WebhookSender:
    """Delivers queued events in order from one background thread.

    ``attempts`` is how many times a delivery is tried when the receiver does not answer 2xx
    (1: once, as where the vendor documents no retry schedule).
    """

    timeout: float = 5.0
    deliveries: list[Delivery] = field(default_factory=list)
    _queue: queue.Queue[_Job | None] = field(default_factory=queue.Queue)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pending: int = 0
    _idle: threading.Condition = field(default_factory=threading.Condition)
    on_delivered: Callable[[Delivery], None] | None = None

    def send(self, url: str, body: bytes, headers: Mapping[str, str], *, attempts: int = 1) -> None:
        """Queue one delivery (never blocks on the receiver, never raises).

        ``url`` is connected to in the form :func:`walletpass.urls.parse_url` reads it; a URL
        that is not loopback is never contacted: the delivery is recorded with an ``error``.
        """
        try:
            endpoint = parse_url(url)
        except UrlError:
            endpoint = None
        if endpoint is None or not endpoint.is_loopback:
            refused = Delivery(
                url, body, dict(headers), error="not sent: emulators deliver to this machine only"
            )
            with self._lock:
                self.deliveries.append(refused)
            if self.on_delivered is not None:
                self.on_delivered(refused)
            return
        with self._idle:
            self._pending += 1
        self._queue.put(_Job(endpoint.url, body, dict(headers), max(1, attempts)))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="emulator-webhooks", daemon=True
                )
                self._thread.start()

    def wait(self, timeout: float = 10.0) -> bool:
        """Wait until every queued delivery has been attempted; ``False`` on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def close(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=self.timeout + 1)

    def _run(self) -> None:
        with requests.Session() as session:
            session.trust_env = False  # loopback only: never through a proxy
            while True:
                job = self._queue.get()
                if job is None:
                    return
                try:
                    self._deliver(session, job)
                finally:
                    with self._idle:
                        self._pending -= 1
                        self._idle.notify_all()

    def _deliver(self, session: requests.Session, job: _Job) -> None:
        for attempt in range(1, job.attempts + 1):
            delivery = Delivery(job.url, job.body, job.headers, attempt=attempt)
            try:
                answer = session.post(
                    job.url,
                    data=job.body,
                    headers=job.headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
                delivery.status = answer.status_code
            except requests.RequestException as exc:
                delivery.error = type(exc).__name__
            with self._lock:
                self.deliveries.append(delivery)
            if self.on_delivered is not None:
                self.on_delivered(delivery)
            if delivery.status is not None and 200 <= delivery.status < 300:
                return
