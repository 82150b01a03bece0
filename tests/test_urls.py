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


# -- the HTTPS rule is decided when the settings are read ---------------------------------------

#: Plain http:// to somewhere that is not this machine, in the spellings a user may write.
PLAIN_ELSEWHERE = {
    "name": "http://api.vendor.test/v1",
    "upper-scheme": "HTTP://api.vendor.test/v1",
    "mixed-case": "hTtP://Api.Vendor.Test:8080",
    "ipv4": "http://10.0.0.1/",
    "ipv6": "http://[2001:db8::1]/",
    "ipv4-mapped-elsewhere": "http://[::ffff:10.0.0.1]/",
    # a name that resolves to loopback is still a name: the answer may change after the check
    "localhost-dot": "http://localhost./",
    "nip-io": "http://127.0.0.1.nip.io/",
    "localhost-subdomain": "http://localhost.vendor.test/",
    "loopback-as-label": "http://127-0-0-1.vendor.test/",
    "xn-name": "http://xn--bcher-kva.example/",
}


def _refusal(url: str, connect: Any) -> str:
    with pytest.raises(ConfigurationError) as caught:
        connect(url)
    return str(caught.value)


def _every_provider() -> list[Any]:
    import asyncio

    import walletpass.aio

    def sync(name: str) -> Any:
        return lambda url: walletpass.connect(name, api_key=API_KEY, base_url=url)

    def asynchronous(url: str) -> Any:
        return asyncio.run(walletpass.aio.connect("pass2u", api_key=API_KEY, base_url=url))

    return [
        *(sync(name) for name in ("livepasses", "livepass", "pass2u", "passentry", "fake")),
        lambda url: HttpTestProvider(base_url=url, api_key=API_KEY),  # a third party's
        asynchronous,
    ]


@pytest.mark.parametrize("url", list(PLAIN_ELSEWHERE.values()), ids=list(PLAIN_ELSEWHERE))
def test_connect_refuses_plain_http_elsewhere_before_anything_else(
    url: str, connections: list[tuple[str, object]]
) -> None:
    for connect in _every_provider():
        said = _refusal(url, connect)

        assert "base_url: uses plain http://" in said
        assert "use https://" in said and "127.0.0.1" in said  # the fix, either way
    assert connections == []  # decided on the text: nothing resolved, nothing connected


def test_a_name_that_resolves_to_loopback_is_not_loopback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As if /etc/hosts said ``127.0.0.1 emulator.internal``: the rule never asks the resolver."""
    asked: list[object] = []

    def resolve(host: object, *args: object, **kwargs: object) -> Any:
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 80))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)

    said = _refusal(
        "http://emulator.internal:8080", lambda url: walletpass.connect("pass2u", base_url=url)
    )

    assert "'emulator.internal'" in said and asked == []


def test_user_information_in_a_plain_http_base_url_is_refused_without_echoing_it() -> None:
    for url in ("http://user:pw-9f3e@api.vendor.test/", "http://user:pw-9f3e@127.0.0.1:8080/"):
        said = _refusal(url, lambda url: walletpass.connect("passentry", base_url=url))

        assert "base_url" in said and "user information" in said
        assert "pw-9f3e" not in said


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/v1",
        "HTTP://127.0.0.1:8080",
        "http://127.2.3.4:8080",
        "http://localhost:8080",
        "http://LocalHost:8080",
        "http://[::1]:8080/v1",
        "http://[0:0:0:0:0:0:0:1]:8080",
        "https://api.vendor.test/v1",
        "HTTPS://api.vendor.test/v1",
    ],
)
def test_emulators_on_loopback_and_https_vendors_still_connect(url: str) -> None:
    for connect in _every_provider():
        connect(url)


def test_a_plugins_declared_plain_http_address_is_refused_when_it_is_made(
    connections: list[tuple[str, object]],
) -> None:
    class PlainPlugin(HttpTestProvider):
        name = "plain-plugin"
        default_base_url = "http://api.plain-plugin.example/v1"

    with pytest.raises(ConfigurationError) as caught:
        PlainPlugin(api_key=API_KEY)

    assert "PlainPlugin.default_base_url uses plain http://" in str(caught.value)
    # an emulator given as the setting overrides the declared address
    PlainPlugin(api_key=API_KEY, base_url="http://127.0.0.1:8080/v1")
    assert connections == []


def test_config_check_refuses_plain_http_elsewhere_naming_the_setting(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WALLETPASS_PASS2U_API_KEY", API_KEY)
    monkeypatch.setenv("WALLETPASS_PASS2U_BASE_URL", "http://api.vendor.test/v1")

    result = cli("-p", "pass2u", "config", "check")

    assert result.code == 1
    assert "base_url: uses plain http:// to 'api.vendor.test'" in result.err
    assert API_KEY not in result.out + result.err


@settings(max_examples=300, deadline=None)
@given(
    scheme=st.sampled_from(["http", "https", "HTTP", "Http", "hTTPs"]),
    authority=_AUTHORITY,
    rest=st.sampled_from(["", "/", "/v1", "/v1/"]),
)
def test_connect_accepts_exactly_the_base_urls_the_connecting_parser_accepts(
    scheme: str, authority: str, rest: str
) -> None:
    """Settings and the transport decide alike: nothing accepted at connect() is refused by the
    first call (as plain http:// elsewhere was), and nothing refused would have been sent."""
    url = f"{scheme}://{authority}{rest}"
    try:
        check_url_security(url, base=True)
    except ConfigurationError:
        with pytest.raises(ConfigurationError, match="base_url"):
            HttpTestProvider(base_url=url, api_key=API_KEY)
        return
    wallet = HttpTestProvider(base_url=url, api_key=API_KEY)
    assert wallet.transport.base_url.startswith(("http://", "https://"))
