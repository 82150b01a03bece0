"""The producer's side of walletpass.celery when the broker or the result store is not there:
only walletpass errors come out, they say what was submitted, and they never quote the broker's
URL (which may hold its password). No services needed: the servers are a closed port, or Celery's
in-memory transport where a step must succeed first."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("celery")

from celery import Celery
from kombu.exceptions import OperationalError

import walletpass
from walletpass import Pass
from walletpass.celery import CeleryIssuer, IssueJob, submit_chunk
from walletpass.errors import ValidationError, WalletPassError

PASSWORD = "s3cret-broker-password"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def unreachable_app(*, backend: str | None = None) -> Celery:
    """A Celery app whose broker (and, unless ``backend`` says otherwise, result store) is a
    closed port, reconnecting once at most so the test takes a fraction of a second."""
    url = f"redis://:{PASSWORD}@127.0.0.1:{closed_port()}/0"
    app = Celery("unreachable", broker=url, backend=backend or url)
    app.conf.update(
        result_backend_transport_options={"retry_policy": {"max_retries": 0}},
        broker_transport_options={"max_retries": 0},
    )
    return app


def issuer_on(app: Celery) -> CeleryIssuer:
    return CeleryIssuer(
        app,
        connect=lambda: walletpass.connect("fake"),
        database="postgresql://postgres@127.0.0.1:1/unused",
        chunk_size=2,
    )


def passes(count: int) -> Iterator[Pass]:
    return (Pass(template="gala", external_id=f"G-{i}") for i in range(count))


def assert_says_nothing_of_the_url(error: WalletPassError) -> None:
    for text in (str(error), repr(error), repr(error.details)):
        assert PASSWORD not in text
        assert "127.0.0.1" not in text
    assert error.__cause__ is None or PASSWORD not in str(error.__cause__)


@pytest.mark.parametrize(
    "backend", [None, "cache+memory://"], ids=["broker and results down", "broker down"]
)
def test_a_run_submitted_to_an_unreachable_broker_raises_a_walletpass_error(
    backend: str | None,
) -> None:
    issuer = issuer_on(unreachable_app(backend=backend))

    with pytest.raises(WalletPassError) as caught:
        issuer.issue_many(passes(5), run="gala")

    error = caught.value
    assert error.code == "submit_failed"
    assert error.outcome_unknown and not error.retryable  # never both: reconcile first
    assert error.operation == "create_many"
    assert "chunk at item 0 could not be submitted" in error.message
    assert "submit the run again" in error.message
    assert "submitted" not in (error.details or {})
    assert_says_nothing_of_the_url(error)


class BrokerLostAfter(Celery):
    """An in-memory broker that is lost after ``sent`` tasks: the connection error a Redis
    broker raises then, its text quoting the broker's URL as redis-py's may."""

    def __init__(self, sent: int) -> None:
        super().__init__("lost", broker="memory://", backend="cache+memory://")
        self.left = sent

    def send_task(self, *args: Any, **kwargs: Any) -> Any:
        if self.left == 0:
            raise OperationalError(f"lost redis://:{PASSWORD}@127.0.0.1:6390/0")
        self.left -= 1
        return super().send_task(*args, **kwargs)


def test_a_broker_lost_part_way_says_how_many_items_were_submitted() -> None:
    issuer = issuer_on(BrokerLostAfter(sent=2))

    with pytest.raises(WalletPassError) as caught:
        issuer.issue_many(passes(7), run="gala")

    error = caught.value
    assert error.code == "submit_failed"
    assert error.details == {"cause": "OperationalError", "submitted": 4}
    assert error.outcome_unknown and not error.retryable  # never both: reconcile first
    assert "chunk at item 4 could not be submitted" in error.message
    assert "the 4 items before it were submitted" in error.message
    assert_says_nothing_of_the_url(error)


def test_a_chunk_that_cannot_be_sent_as_json_is_refused_before_sending() -> None:
    app = Celery("json", broker="memory://", backend="cache+memory://")

    with pytest.raises(ValidationError) as caught:
        submit_chunk(app, "gala", 0, [{"template": "gala", "fields": {"seat": object()}}])

    assert [problem.location for problem in caught.value.problems] == ["passes"]
    assert not caught.value.outcome_unknown


def test_asking_whether_a_job_is_ready_with_the_result_store_down_raises_a_walletpass_error() -> (
    None
):
    app = unreachable_app()
    job = IssueJob("gala", [(0, 1, app.AsyncResult("a-task-id"))])

    with pytest.raises(WalletPassError) as caught:
        job.ready()

    error = caught.value
    assert error.code == "result_backend_failed"
    assert error.retryable and not error.outcome_unknown
    assert_says_nothing_of_the_url(error)
