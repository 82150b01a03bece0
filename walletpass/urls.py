"""The one URL parser: it decides both whether credentials may go to a URL and where they go.

A URL that two parsers read differently is how a key ends up somewhere unintended:
``http://attacker.invalid\\@127.0.0.1/`` is loopback to :func:`urllib.parse.urlsplit` (``\\`` is
part of the user name) but ``attacker.invalid`` to WHATWG-style parsers (``\\`` ends the host).
So walletpass accepts only URLs that every parser reads the same way, parses them once, here, and
connects to the URL rebuilt from that parse (:attr:`Endpoint.url`), never to the text it was
given. Refused: backslashes, whitespace, control and non-ASCII characters anywhere; user
information (``user@``) except in proxy URLs; percent-encoded, empty or malformed hosts; IPv4
written in any form but four decimal parts; IPv6 zone ids; ports outside 1-65535.

The HTTPS rule (:func:`require_https`: plain ``http://`` only to this machine) is decided here too,
on the parsed host, so a base URL is judged by the text walletpass will connect to, wherever it is
checked: when the settings are read, when a provider is made, for each absolute vendor link.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

__all__ = ["Endpoint", "UrlError", "is_loopback_host", "parse_url", "require_https"]

_SCHEMES = ("http", "https")
_PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
# Printable ASCII except space and backslash: what may appear anywhere in an accepted URL.
_ALLOWED = re.compile(r"[!-\[\]-~]*")
_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
_PORT = re.compile(r"[0-9]{1,5}")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_USERINFO = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:%-]*")


class UrlError(ValueError):
    """The URL is refused; the message says why without quoting it (it may hold a password)."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A URL as walletpass reads it, and the only form it connects to."""

    scheme: str
    #: Lower-case DNS name, dotted-quad IPv4, or IPv6 without brackets.
    host: str
    port: int | None
    #: Path and query, starting with ``/`` (``/`` when the URL had none).
    target: str
    #: ``user:password`` (proxy URLs only), percent-encoded as given.
    userinfo: str | None = None

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"

    @property
    def origin(self) -> str:
        """``scheme://host[:port]``, the part that decides where a connection goes."""
        return f"{self.scheme}://{self.netloc}"

    @property
    def url(self) -> str:
        """The canonical URL: what walletpass hands to the HTTP stack."""
        user = f"{self.userinfo}@" if self.userinfo is not None else ""
        return f"{self.scheme}://{user}{self.netloc}{self.target}"

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(self.host)


def is_loopback_host(host: str | None) -> bool:
    """Whether ``host`` (as :func:`parse_url` leaves it) is this machine: ``localhost``
    or an address in 127.0.0.0/8 or ``::1``."""
    if not host:
        return False
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def require_https(endpoint: Endpoint) -> Endpoint:
    """``endpoint`` if credentials (or signed webhook deliveries) may go to it: ``https://``, or
    plain ``http://`` to loopback (an emulator on this machine); else :class:`UrlError` saying
    how to fix it.

    Loopback is decided on the parsed host alone (``localhost``, 127.0.0.0/8, ``::1``), never by
    resolving it: a name that resolves to loopback today (``/etc/hosts``, ``127.0.0.1.nip.io``)
    may resolve elsewhere tomorrow, and the key would follow it in clear.
    """
    if endpoint.scheme == "http" and not endpoint.is_loopback:
        raise UrlError(
            f"uses plain http:// to {endpoint.host!r}, which is not this machine, and nothing "
            "secret travels in clear: use https://, or a loopback address (127.0.0.1, [::1] or "
            "localhost) for an emulator"
        )
    return endpoint


def parse_url(url: str, *, proxy: bool = False, base: bool = False) -> Endpoint:
    """Parse ``url`` strictly; raise :class:`UrlError` (naming the problem, never the URL).

    ``proxy``: proxy schemes and ``user:password@`` are allowed. ``base``: a base address, so a
    query or fragment is refused (paths are appended to it). Fragments are dropped otherwise.
    """
    if not isinstance(url, str):
        raise UrlError("must be a string")
    if not _ALLOWED.fullmatch(url):
        raise UrlError(
            "contains a backslash, whitespace, control or non-ASCII character "
            "(write international host names in their xn-- form and percent-encode paths)"
        )
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    allowed = _PROXY_SCHEMES if proxy else _SCHEMES
    if not sep or scheme not in allowed:
        raise UrlError(f"must start with {' or '.join(s + '://' for s in allowed)}")
    end = len(rest)
    for delimiter in "/?#":
        found = rest.find(delimiter)
        if found != -1:
            end = min(end, found)
    authority, target = rest[:end], rest[end:]
    target, _, fragment = target.partition("#")
    if base and fragment:
        raise UrlError("a base URL cannot have a #fragment")
    if base and "?" in target:
        raise UrlError("a base URL cannot have a ?query")
    if _BAD_PERCENT.search(target):
        raise UrlError("has a % that is not followed by two hex digits")
    if not target.startswith("/"):
        target = "/" + target
    userinfo: str | None = None
    if "@" in authority:
        if not proxy:
            raise UrlError(
                "has user information (user@host); credentials go in their settings, "
                "never in the URL"
            )
        userinfo, _, authority = authority.rpartition("@")
        if not _USERINFO.fullmatch(userinfo) or _BAD_PERCENT.search(userinfo):
            raise UrlError("has malformed user information")
    host, port = _split_host_port(authority)
    return Endpoint(scheme, host, port, target, userinfo)


def _split_host_port(authority: str) -> tuple[str, int | None]:
    if authority.startswith("["):
        close = authority.find("]")
        if close == -1:
            raise UrlError("has an unclosed [ in its host")
        host, rest = _ipv6(authority[1:close]), authority[close + 1 :]
        if rest and not rest.startswith(":"):
            raise UrlError("has characters after the ] of its IPv6 host")
        port_text = rest[1:] if rest else None
    else:
        if authority.count(":") > 1:
            raise UrlError("has an IPv6 host without [brackets]")
        name, colon, port_text_found = authority.partition(":")
        host = _name_or_ipv4(name)
        port_text = port_text_found if colon else None
    if port_text is None:
        return host, None
    if not _PORT.fullmatch(port_text) or not 0 < int(port_text) < 65536:
        raise UrlError("has a port that is not a number from 1 to 65535")
    return host, int(port_text)


def _ipv6(text: str) -> str:
    if "%" in text:
        raise UrlError("has an IPv6 zone id (%...), which walletpass does not connect to")
    try:
        return str(ipaddress.IPv6Address(text))
    except ValueError:
        raise UrlError("has a malformed IPv6 host") from None


def _name_or_ipv4(name: str) -> str:
    if not name:
        raise UrlError("has no host")
    if "%" in name:
        raise UrlError("has a percent-encoded host")
    lowered = name.lower()
    labels = lowered.removesuffix(".").split(".")
    last = labels[-1]
    # Parsers disagree on hosts that end in a number ("127.1", "0x7f.1", "2130706433"): some read
    # them as IPv4 in short or hex/octal form. Only the four-decimal form is unambiguous.
    if last.isdigit() or last.startswith("0x"):
        try:
            return str(ipaddress.IPv4Address(lowered))
        except ValueError:
            raise UrlError(
                "has a host that is neither a name nor an IPv4 address of four decimal parts"
            ) from None
    if len(lowered) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise UrlError("has a malformed host name (letters, digits, -, _ and . only)")
    return lowered
