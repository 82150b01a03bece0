"""Whether a PostgreSQL connection would carry credentials and data in clear to another machine.

The journal's database holds a role's password and every issued pass. libpq's default
(``sslmode=prefer``) tries TLS but falls back to plain TCP, which anyone on the path can force;
like ``rate_limit_backend`` (``redis://`` only to loopback, ``rediss://`` elsewhere), a database on
another machine is reached only with TLS required. Decided on the connection string as psycopg
(libpq) reads it, with libpq's environment variables where the string leaves a value out.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from walletpass.errors import ConfigurationError
from walletpass.urls import is_loopback_host

__all__ = ["TLS_MODES", "refuse_clear_text_to_remote"]

#: ``sslmode`` values under which libpq never connects without TLS.
TLS_MODES = ("require", "verify-ca", "verify-full")


def refuse_clear_text_to_remote(
    parts: Mapping[str, Any], environ: Mapping[str, str] = os.environ
) -> None:
    """``ConfigurationError`` when ``parts`` (``psycopg.conninfo.conninfo_to_dict`` of the
    connection string) may connect over TCP to a host that is not this machine without TLS
    required. Every host of a multi-host string counts (libpq may use any); ``hostaddr``, when
    given, is where libpq connects. The message names the host, never the password."""
    sslmode = str(parts.get("sslmode") or environ.get("PGSSLMODE") or "prefer").lower()
    if sslmode in TLS_MODES:
        return
    listed = str(parts.get("hostaddr") or environ.get("PGHOSTADDR") or "")
    if not listed:
        listed = str(parts.get("host") or environ.get("PGHOST") or "")
    for host in (h.strip() for h in listed.split(",")):
        # empty: libpq's default Unix socket; a path (or an abstract "@name") is a socket too
        if not host or host.startswith(("/", "@")) or is_loopback_host(host):
            continue
        raise ConfigurationError(
            f"refusing to reach the journal database at {host!r} without TLS "
            f"(sslmode={sslmode}): its password and the run's passes would cross the network in "
            "clear. Add sslmode=verify-full (with sslrootcert) or sslmode=require to the "
            "connection string (or set PGSSLMODE); plain connections are allowed to this "
            "machine only"
        )
