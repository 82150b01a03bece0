"""Connection pools for one transport: urllib3's, with the settings ``requests`` would apply.

:mod:`walletpass.transport` sends through urllib3's connection pools directly (``requests``'
per-call machinery cost more than the rest of a call). What ``requests``' adapter decided is
decided here instead, the same way:

- TLS: certificates verified against the CA bundle ``requests`` uses (``certifi``'s), or the
  configured ``ca_bundle`` (a file, or a directory of certificates), loaded once per transport;
- proxies: an HTTP(S) proxy tunnels with ``CONNECT`` and authenticates with ``Proxy-Authorization:
  Basic`` from the proxy URL's ``user:password`` (percent-decoded); ``socks5://`` and
  ``socks5h://`` go through urllib3's SOCKS support when PySocks is installed;
- pools: ``pool_size`` connections kept alive per host, more opened when needed (never blocking).

Connections are deadline-bounded (:class:`walletpass.bounds.DeadlineSocket`), direct and through
HTTP(S) proxies (SOCKS proxies keep only the per-attempt timeouts).
"""

from __future__ import annotations

import os
import ssl
import threading
from typing import Any
from urllib.parse import unquote

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.poolmanager import PoolManager, ProxyManager
from urllib3.util import make_headers
from urllib3.util.ssl_ import create_urllib3_context

from walletpass.bounds import DeadlineSocket
from walletpass.heads import StrictResponse
from walletpass.redaction import register_secret
from walletpass.urls import Endpoint, parse_url

__all__ = ["MissingProxySupport", "Pools"]


def _bounded(connection: HTTPConnection) -> HTTPConnection:
    """``connection`` (urllib3's own class) with its answer heads read strictly (its
    ``response_class``: walletpass.heads) and its socket, once connected, bounded by the call's
    deadline (:class:`DeadlineSocket`)."""
    connection.response_class = StrictResponse
    connect = connection.connect  # (its class's)

    def connect_bounded() -> None:
        connect()
        connection.sock = DeadlineSocket(connection.sock)

    connection.connect = connect_bounded  # type: ignore[method-assign]
    return connection


def _http_connection(*args: Any, **kwargs: Any) -> HTTPConnection:
    return _bounded(HTTPConnection(*args, **kwargs))


def _https_connection(*args: Any, **kwargs: Any) -> HTTPConnection:
    return _bounded(HTTPSConnection(*args, **kwargs))


#: What makes the connections of walletpass's pools, by scheme: urllib3's own connection
#: classes, each connection with its answer heads read strictly and its socket operations
#: bounded by the call's deadline (:data:`walletpass.bounds.socket_scope`). Set as each of
#: urllib3's own pools' public ``ConnectionCls``: no pool or connection subclass, so urllib3's
#: and http.client's per-request code runs on the classes a program's other pools (and the
#: benchmark's bare pool) run it on, instead of re-specialising between them (lead's finding:
#: a pool subclass as ``self`` there cost a Livepasses get, two requests, 12 k instructions
#: interleaved with a bare pool, a connection subclass ~18 k more).
NEW_CONNECTION: dict[str, Any] = {"http": _http_connection, "https": _https_connection}


class MissingProxySupport(Exception):
    """The proxy needs a package that is not installed (nothing was sent)."""


class Pools:
    """The connection pools of one transport, one per scheme, host and port. Thread-safe.

    Args:
        size: connections kept alive per host (more are opened when needed, then dropped).
        proxy: the proxy URL (already checked by :func:`walletpass.urls.parse_url` with
            ``proxy=True``), or ``None`` to connect directly.
        verify: ``True`` for the default CA bundle, or the path of a CA bundle file or directory.
    """

    def __init__(self, *, size: int, proxy: str | None, verify: bool | str) -> None:
        self._size = size
        self._proxy = proxy
        self._verify = verify
        self._lock = threading.Lock()
        self._manager: PoolManager | None = None
        self._tls: dict[str, Any] | None = None
        # Pools by origin, so that choosing one costs a dictionary look-up, not a pool key.
        self._pools: dict[tuple[str, str, int | None], HTTPConnectionPool] = {}

    def for_endpoint(self, endpoint: Endpoint) -> HTTPConnectionPool:
        """The pool connecting to ``endpoint``'s scheme, host and port (the address walletpass's
        one URL parser read).

        Raises:
            MissingProxySupport: a SOCKS proxy is configured and PySocks is not installed.
            ssl.SSLError, OSError: the CA bundle cannot be loaded.
        """
        key = (endpoint.scheme, endpoint.host, endpoint.port)
        pool = self._pools.get(key)
        # A pool the manager has let go (it keeps a bounded number) is closed: ask again.
        if pool is not None and pool.pool is not None:
            return pool
        with self._lock:
            manager = self._manager or self._new_manager()
            extra = self._tls_settings() if endpoint.scheme == "https" else None
            pool = manager.connection_from_host(
                endpoint.host, endpoint.port, endpoint.scheme, pool_kwargs=extra
            )
            if not manager.__class__.__name__.startswith("SOCKS"):
                # (before any connection is made: the pool makes them when first asked, and
                # only this transport, under this lock, hands it out; by the pool's own scheme,
                # a proxy's where requests go through one)
                pool.ConnectionCls = NEW_CONNECTION[pool.scheme]
            self._pools[key] = pool
        return pool

    def close(self) -> None:
        """Close every pool and its idle connections (connections in use close when released)."""
        with self._lock:
            manager, self._manager = self._manager, None
            pools = list(self._pools.values())
            self._pools.clear()
        if manager is not None:
            manager.clear()
        # urllib3 2's clear() only forgets its pools, whose connections close when each pool is
        # collected: a pool an error's traceback still holds would keep its sockets open.
        for pool in pools:
            pool.close()

    # -- building ---------------------------------------------------------------------------

    def _new_manager(self) -> PoolManager:
        # requests' adapter: never block waiting for a connection, no retries or redirects of
        # urllib3's own (the transport's retry policy decides), ``size`` kept per host.
        options: dict[str, Any] = {"num_pools": 10, "maxsize": self._size, "block": False}
        manager: PoolManager
        if self._proxy is None:
            manager = PoolManager(**options)
        elif self._proxy.startswith("socks"):
            manager = _socks_manager(self._proxy, options)
        else:
            userinfo = parse_url(self._proxy, proxy=True).userinfo
            headers = None
            if userinfo:
                user, _, password = userinfo.partition(":")
                credentials = f"{unquote(user)}:{unquote(password)}"
                value = make_headers(proxy_basic_auth=credentials)["proxy-authorization"]
                register_secret(value)  # the credentials in one more form
                headers = {"Proxy-Authorization": value}
            manager = ProxyManager(self._proxy, proxy_headers=headers, **options)
        self._manager = manager
        return manager

    def _tls_settings(self) -> dict[str, Any]:
        if self._tls is None:
            location = self._verify if isinstance(self._verify, str) else _default_ca_bundle()
            context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
            # Loaded once here, not by every new connection (urllib3 would read the file each
            # time it connects when given only its path).
            if os.path.isdir(location):
                context.load_verify_locations(capath=location)
            else:
                context.load_verify_locations(cafile=location)
            self._tls = {"ssl_context": context, "cert_reqs": "CERT_REQUIRED"}
        return self._tls


def _default_ca_bundle() -> str:
    """The CA bundle ``requests`` verifies against by default (``certifi``'s)."""
    import certifi  # a dependency of requests; imported when the first HTTPS pool is made

    return certifi.where()


def _socks_manager(proxy: str, options: dict[str, Any]) -> PoolManager:
    try:
        from urllib3.contrib.socks import SOCKSProxyManager
    except ImportError:  # PySocks is missing
        raise MissingProxySupport(
            "a socks5:// proxy needs PySocks: pip install 'urllib3[socks]'"
        ) from None
    userinfo = parse_url(proxy, proxy=True).userinfo
    user, _, password = (userinfo or "").partition(":")
    manager: PoolManager = SOCKSProxyManager(
        proxy,
        username=unquote(user) or None,
        password=unquote(password) or None,
        **options,
    )
    return manager
