"""Every rate_limit_backend URL is read once, when the provider is configured: what redis-py
would read loosely (a path that is not a database number) or refuse only at the first request
(a query option its connection does not take) is a ConfigurationError before anything is sent.
No server is needed: nothing here connects."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import walletpass
from walletpass.errors import ConfigurationError

pytest.importorskip("redis")

from walletpass.ratelimit import build_limiter
from walletpass.redis_limiter import RedisLimiter


def limiter(backend: str) -> RedisLimiter:
    built = build_limiter(provider="pass2u", rate=10.0, burst=1, backend=backend)
    assert isinstance(built, RedisLimiter)
    return built


@pytest.mark.parametrize(
    "backend",
    [
        "redis://127.0.0.1:6390/0?foo=bar",  # read as a connection argument: TypeError later
        "redis://127.0.0.1:6390/0?ssl_cert_reqs=none",  # a TLS option without TLS
        "unix:///run/redis.sock?ssl=true",
        "redis://:pw-opt-123@127.0.0.1:6390/0?retry_on_timeout_typo=1",
    ],
)
def test_an_option_the_client_does_not_take_is_refused_when_configured(backend: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        walletpass.connect("fake", rate_limit_backend=backend)
    assert "option" in str(caught.value)
    assert "pw-opt-123" not in str(caught.value)


@pytest.mark.parametrize(
    "backend",
    [
        "redis://127.0.0.1:6390/1/2",  # redis-py reads db 12
        "redis://127.0.0.1:6390/abc",  # redis-py reads db 0
        "redis://127.0.0.1:6390/0/extra",
        "rediss://:pw-path-123@redis.example.com:6380/-1",
    ],
)
def test_a_path_that_is_not_a_database_number_is_refused(backend: str) -> None:
    with pytest.raises(ConfigurationError, match="database number") as caught:
        walletpass.connect("fake", rate_limit_backend=backend)
    assert "pw-path-123" not in str(caught.value)


@given(st.text(min_size=1, max_size=12).filter(lambda s: not (s.isascii() and s.isdigit())))
def test_no_path_but_a_number_names_a_database(path: str) -> None:
    from urllib.parse import quote

    with pytest.raises(ConfigurationError):
        build_limiter(
            provider="pass2u", rate=10.0, burst=1, backend=f"redis://127.0.0.1:6390/{quote(path)}"
        )


@pytest.mark.parametrize(
    ("backend", "where"),
    [
        ("redis://127.0.0.1:6390", "redis://127.0.0.1:6390/0"),
        ("redis://127.0.0.1:6390/", "redis://127.0.0.1:6390/0"),
        ("redis://127.0.0.1:6390/7", "redis://127.0.0.1:6390/7"),
        ("redis://127.0.0.1:6390/0?db=3&socket_keepalive=true", "redis://127.0.0.1:6390/3"),
        ("rediss://:pw@redis.example.com:6380/2?ssl_cert_reqs=required", "rediss://"),
        ("unix:///run/redis.sock?db=4", "unix:///run/redis.sock"),
    ],
)
def test_the_forms_redis_documents_are_accepted(backend: str, where: str) -> None:
    assert where in repr(limiter(backend))


@pytest.mark.services
@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/9999", "DB index is out of range"),  # past the server's `databases`
        ("/0?username=nobody&password=pw-refused-123", "credentials"),  # a wrong password
    ],
)
def test_a_server_that_refuses_the_limiter_is_told_apart_from_one_that_is_down(
    redis_url: str, path: str, said: str
) -> None:
    from walletpass.errors import ProviderUnavailable

    base = redis_url.rsplit("/", 1)[0]
    with pytest.raises(ProviderUnavailable) as caught:
        limiter(base + path).acquire("")
    message = str(caught.value)
    assert said in message
    assert "unreachable" not in message and "Start Redis" not in message
    assert "rate_limit_backend" in message
    assert "pw-refused-123" not in message
