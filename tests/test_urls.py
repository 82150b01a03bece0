"""One URL parser decides both the HTTPS rule and where a connection goes (issue 15, case 2).

Case 2 was a URL that the loopback check read one way and the HTTP stack another. The fix is a
strict parser whose canonical output every parser reads alike: proved here against urllib3 (what
requests connects with), ``urlsplit`` and requests' own preparation, for every URL the parser
accepts (hypothesis); and ambiguous URLs are refused at configuration, before any name
resolution or connection (the ``connections`` fixture records both).
"""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import urllib3.util
from hypothesis import given, settings
from hypothesis import strategies as st

import walletpass
from walletpass.errors import ConfigurationError, InvalidResponse
from walletpass.retry import Safety
from walletpass.transport import Transport, VendorRequest, check_url_security, network_proxy
from walletpass.urls import UrlError, parse_url

from .hostile_server import HostileServer, answer
from .test_transport import API_KEY, HttpTestProvider

AMBIGUOUS = {
    # the case: \ ends the host for WHATWG parsers, is part of a user name for urlsplit
    "case-2": "http://attacker.invalid\\@127.0.0.1/",
    "backslash-host": "http://127.0.0.1\\.attacker.invalid/",
    "backslash-path": "http://127.0.0.1/v1\\..\\x",
    "userinfo": "http://user@127.0.0.1/",
    "userinfo-loopback-first": "http://127.0.0.1@attacker.invalid/",
    "userinfo-encoded-backslash": "http://attacker.invalid%5C@127.0.0.1/",
    "userinfo-https": "https://key:secret@api.vendor.test/",
    "percent-encoded-host": "http://%31%32%37.0.0.1/",
    "percent-encoded-dot": "http://127%2E0.0.1/",
    "short-ipv4": "http://127.1/",
    "hex-ipv4": "http://0x7f.0.0.1/",
    "integer-ipv4": "http://2130706433/",
    "octal-ipv4": "http://0177.0.0.1/",
    "ipv6-zone": "http://[::1%25lo]/",
    "ipv6-unclosed": "http://[::1/",
    "ipv6-malformed": "http://[::g]/",
    "ipv6-unbracketed": "http://::1/",
    "ipv6-junk-after": "http://[::1]x/",
    "tab-in-host": "http://127.0.0.1\t.attacker.invalid/",
    "newline": "http://127.0.0.1/\r\nX-Injected: 1",
    "space": "http://127.0.0.1 /",
    "fullwidth-dot": "http://127.0.0.1\uff0eattacker.invalid/",
    "unicode-host": "https://b\u00fccher.example/",
    "two-ports": "http://127.0.0.1:80:80/",
    "port-zero": "http://127.0.0.1:0/",
    "port-too-big": "http://127.0.0.1:99999/",
    "port-sign": "http://127.0.0.1:+80/",
    "empty-host": "https:///v1",
    "one-slash": "http:/127.0.0.1/",
    "label-dash": "https://-vendor.test/",
    "empty-label": "https://api..vendor.test/",
    "bad-percent": "https://api.vendor.test/%zz",
    "query-in-base": "https://api.vendor.test/v1?key=1",
    "fragment-in-base": "https://api.vendor.test/v1#x",
}


@pytest.mark.parametrize("url", list(AMBIGUOUS.values()), ids=list(AMBIGUOUS))
def test_ambiguous_base_urls_are_refused_at_configuration_before_any_connection(
    url: str, connections: list[tuple[str, object]]
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        HttpTestProvider(base_url=url, api_key=API_KEY)

    assert "base_url" in str(caught.value)
    assert connections == []


@pytest.mark.parametrize("url", list(AMBIGUOUS.values()), ids=list(AMBIGUOUS))
def test_the_transport_refuses_them_too(url: str) -> None:
    # Plugins may build a Transport themselves, from a default_base_url.
    with pytest.raises(ConfigurationError):
        Transport(provider="t", base_url=url)


def test_case_2_the_key_never_reaches_the_host_the_http_stack_would_have_used(
    connections: list[tuple[str, object]],
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        walletpass.connect(
            "passentry", api_key=API_KEY, base_url="http://attacker.invalid\\@127.0.0.1/"
        )

    assert "backslash" in str(caught.value)
    assert "attacker" not in str(caught.value)  # the URL is described, never quoted
    assert connections == []


def test_a_vendor_link_that_is_ambiguous_is_refused_before_any_connection(
    connections: list[tuple[str, object]],
) -> None:
    server = HostileServer(answer(b"{}"))
    try:
        wallet = HttpTestProvider(base_url=f"{server.url}/v1", api_key=API_KEY)
        link = VendorRequest("GET", "http://attacker.invalid\\@127.0.0.1/", Safety.SAFE)
        with pytest.raises(ConfigurationError):
            wallet.send(link, "list")
    finally:
        server.close()
    assert server.heads == []
    assert connections == []


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("HTTP://LOCALHOST:8080/v1", "http://localhost:8080"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://[::1]:8080/v1/", "http://[::1]:8080"),
        ("http://[0:0:0:0:0:0:0:1]/", "http://[::1]"),
        ("https://API.Vendor.test/v1", "https://api.vendor.test"),
        ("https://vendor.test./v1", "https://vendor.test."),
        ("https://api_internal.corp:8443", "https://api_internal.corp:8443"),
        ("https://10.1.2.3/", "https://10.1.2.3"),
    ],
)
def test_unambiguous_urls_are_accepted_in_canonical_form(url: str, origin: str) -> None:
    endpoint = parse_url(url, base=True)

    assert endpoint.origin == origin
    assert Transport(provider="t", base_url=url).base_url.startswith(origin + "/")


def test_plain_http_is_still_loopback_only() -> None:
    for url in ("http://10.0.0.1/", "http://vendor.test/", "http://[::2]/"):
        with pytest.raises(ConfigurationError, match="plain http"):
            check_url_security(url)


def test_ipv6_loopback_really_connects_where_the_parser_said() -> None:
    try:
        probe = socket.create_server(("::1", 0), family=socket.AF_INET6)
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(walletpass.ProviderUnavailable):  # refused: nobody listens there
        HttpTestProvider(base_url=f"http://[::1]:{port}/v1", api_key=API_KEY).get("a1")


# Characters that make URLs ambiguous, mixed with ordinary ones.
_URL_TEXT = st.lists(
    st.sampled_from([*"ab1270.:/@\\%[]?#-_x~ \t", "::1", "127.0.0.1", "%2e", "localhost"]),
    max_size=12,
).map("".join)
_HOSTS = ["127.0.0.1", "localhost", "LocalHost", "[::1]", "[::ffff:127.0.0.1]", "a.b", "x-y.z_1"]
_AUTHORITY = st.one_of(
    _URL_TEXT,
    st.tuples(
        st.sampled_from(_HOSTS),
        st.sampled_from(["", ":80", ":8080", ":0"]),
        st.sampled_from(["", "/", "/v1/", "?q", "#f", "\\", "@", "%2e"]),
    ).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(
    scheme=st.sampled_from(["http", "https", "HTTP", "ftp", ""]),
    authority=_AUTHORITY,
    rest=st.one_of(_URL_TEXT, st.sampled_from(["", "/", "/v1/items", "/a?b=@c", "/%41#x"])),
)
def test_every_accepted_url_is_read_alike_by_every_parser(
    scheme: str, authority: str, rest: str
) -> None:
    url = f"{scheme}://{authority}{rest}"
    try:
        endpoint = parse_url(url)
    except UrlError:
        return
    canonical = endpoint.url
    bracketed = f"[{endpoint.host}]" if ":" in endpoint.host else endpoint.host
    by_urllib3 = urllib3.util.parse_url(canonical)
    by_stdlib = urlsplit(canonical)
    prepared = requests.PreparedRequest()
    prepared.prepare(method="GET", url=canonical)
    by_requests = urllib3.util.parse_url(prepared.url)

    assert (by_urllib3.host, by_urllib3.port, by_urllib3.auth) == (bracketed, endpoint.port, None)
    assert (by_stdlib.hostname, by_stdlib.port) == (endpoint.host.lower(), endpoint.port)
    assert (by_requests.host, by_requests.port) == (bracketed, endpoint.port)
    assert "\\" not in canonical and "@" not in canonical.split("/")[2]


@settings(max_examples=200, deadline=None)
@given(authority=_AUTHORITY)
def test_the_loopback_decision_is_the_connection_decision(authority: str) -> None:
    """Whatever the text, if walletpass allows plain HTTP, the HTTP stack connects to loopback."""
    url = f"http://{authority}/"
    try:
        endpoint = check_url_security(url)
    except ConfigurationError:
        return
    host = urllib3.util.parse_url(endpoint.url).host or ""
    assert walletpass.transport.is_loopback_host(host)


def test_proxy_urls_use_the_same_parser() -> None:
    assert network_proxy("https://vendor.test", _secret("http://u:p%40ss@proxy.corp:3128")) == (
        "http://u:p%40ss@proxy.corp:3128/"
    )
    for bad in ("http://proxy.corp\\@evil:1", "http://u:p ss@proxy:1", "ftp://proxy:1"):
        with pytest.raises(ConfigurationError) as caught:
            network_proxy("https://vendor.test", _secret(bad))
        assert "p ss" not in str(caught.value)


def test_a_malformed_proxy_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp\\@evil:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    with pytest.raises(ConfigurationError, match="environment's proxy"):
        network_proxy("https://vendor.test", None)


def test_parse_hooks_never_see_a_url_error() -> None:
    # UrlError is a ValueError: raised from a parse hook it would become InvalidResponse.
    assert issubclass(UrlError, ValueError)
    assert issubclass(InvalidResponse, walletpass.WalletPassError)


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)
