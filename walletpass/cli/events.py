"""``walletpass events listen``: a local receiver that prints verified pass events.

For trying webhooks during development: subscribe the printed URL (through a tunnel, or at an
emulator on this machine), and each delivery is verified with the subscription's secret and
printed — a line per event, or a JSON object per line with ``--json``. The secret is read from an
environment variable, never from the command line (where shell history and process lists show
it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence

from walletpass.cli.parser import UsageError
from walletpass.cli.render import clean
from walletpass.events import PassEvent
from walletpass.redaction import redact_text

__all__ = ["DEFAULT_SECRET_ENV", "cmd_events"]

#: Where ``events listen`` reads the subscription's signing secret by default.
DEFAULT_SECRET_ENV = "WALLETPASS_WEBHOOK_SECRET"


def _printer(as_json: bool) -> Callable[[Sequence[PassEvent]], None]:
    def show(events: Sequence[PassEvent]) -> None:
        for event in events:
            if as_json:
                line = json.dumps(event.model_dump(mode="json", exclude={"raw"}), sort_keys=True)
            else:
                # Vendor text is shown escaped: an escape sequence in an external id must not
                # rewrite the terminal (JSON output escapes control characters itself).
                line = (
                    f"{event.occurred_at.isoformat() if event.occurred_at else '-'} "
                    f"{event.type.value:<9} pass {clean(event.pass_id or '-')}"
                    + (f" ({clean(event.external_id)})" if event.external_id else "")
                    + (f" template {clean(event.template)}" if event.template else "")
                    + f" [{clean(event.vendor_event)}]"
                )
            # (a vendor's event may echo a registered secret, as any answer may)
            print(redact_text(line), flush=True)

    return show


def cmd_events(args: argparse.Namespace) -> int:
    from walletpass.cli.commands import _connected, _stop_on_sigterm
    from walletpass.receivers import wsgi_receiver
    from walletpass.testing import emulator as harness

    if args.events_command != "listen":
        raise UsageError("events needs an action: walletpass events listen")
    secret = os.environ.get(args.secret_env)
    if not secret:
        raise UsageError(
            f"set the subscription's signing secret in {args.secret_env} (never on the command "
            "line); --secret-env names another variable"
        )
    with _connected(args) as provider:
        app = wsgi_receiver(  # (refuses a provider that cannot receive: UnsupportedOperation)
            provider,
            secret=secret,
            handler=_printer(bool(getattr(args, "json", False))),
            tolerance=args.tolerance,
        )

        def ready(url: str) -> None:
            print(
                f"listening for {provider.name} webhooks at {url}{args.path} (Ctrl-C to stop)",
                file=sys.stderr,
                flush=True,
            )

        with _stop_on_sigterm():
            harness.serve(app, host=args.host, port=args.port, ready=ready)
    return 0
