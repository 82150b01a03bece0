"""The argument grammar of ``walletpass``: every subcommand, flag and help text.

Kept apart from the commands so that ``walletpass --help`` and usage errors never import a
provider, and so that the CLI reference in the docs is rendered from the same objects argparse
uses. Flag values are checked for shape here (``KEY=VALUE``, numbers); what they mean is checked
by the neutral model and the provider, like any other input.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from collections.abc import Callable
from typing import Any, NoReturn

from walletpass._version import __version__

__all__ = [
    "BARCODE_FORMATS",
    "PASS_KINDS",
    "PASS_STATUSES",
    "CliParser",
    "UsageError",
    "assignment",
    "build_parser",
    "column_mapping",
    "location",
]

# Literal copies keep this module import-light; tests/test_cli.py checks them against the model.
PASS_KINDS = (
    "generic",
    "event_ticket",
    "loyalty",
    "coupon",
    "membership",
    "reservation",
    "appointment",
    "gift_card",
    "boarding_pass",
)
BARCODE_FORMATS = ("qr", "pdf417", "aztec", "code128")
PASS_STATUSES = (
    "issued",
    "installed",
    "active",
    "redeemed",
    "voided",
    "expired",
    "deleted",
    "unknown",
)
MATRIX_FORMATS = ("table", "md", "json", "csv")

PROG = "walletpass"

DESCRIPTION = (
    "Issue and manage Apple Wallet / Google Wallet passes through any walletpass provider. "
    "With nothing configured it uses the built-in fake provider, which keeps passes in an SQLite "
    "file in your data directory: every command works with no keys and no network."
)

EPILOG = """\
examples:
  walletpass create --template vip-ticket --holder-name "Ada Lovelace" --field seat=12B
  walletpass get fp_0123456789abcdef
  walletpass redeem fp_0123456789abcdef
  walletpass list --status redeemed --json
  walletpass issue members.csv --template loyalty --map "Member No=external_id" --journal run.db
  walletpass capabilities pass2u --format md
  WALLETPASS_PROVIDER=pass2u WALLETPASS_PASS2U_API_KEY=... walletpass config check
"""


class UsageError(Exception):
    """A command line that cannot be run as typed (exit status 2)."""


class CliParser(argparse.ArgumentParser):
    """argparse, except that a usage error is one line naming the fix, not a usage dump."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def assignment(text: str, *, what: str = "KEY=VALUE") -> tuple[str, Any]:
    """``key=value`` -> ``("key", "value")``; ``key:=json`` -> ``("key", <decoded JSON>)``."""
    key, sep, value = text.partition("=")
    typed = key.endswith(":")
    if typed:
        key = key[:-1]
    if not sep or not key or key != key.strip() or any(ch.isspace() for ch in key):
        raise argparse.ArgumentTypeError(
            f"expected {what} (or KEY:=JSON for a typed value), got {text!r}"
        )
    if not typed:
        return key, value
    try:
        return key, json.loads(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: the value after ':=' must be JSON (e.g. points:=120, vip:=true)"
        ) from None


def column_mapping(text: str) -> tuple[str, str]:
    """``Column Name=target``: split at the first ``=``; column names may contain spaces."""
    column, sep, target = text.partition("=")
    if not sep or not column.strip():
        raise argparse.ArgumentTypeError(f"expected COLUMN=FIELD, got {text!r}")
    return column.strip(), target.strip()


def location(text: str) -> dict[str, float]:
    """``LAT,LON`` or ``LAT,LON,RADIUS_METRES``."""
    parts = [part.strip() for part in text.split(",")]
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) not in (2, 3):
        raise argparse.ArgumentTypeError(
            f"expected LAT,LON or LAT,LON,RADIUS (decimal degrees, metres), got {text!r}"
        )
    found = {"latitude": numbers[0], "longitude": numbers[1]}
    if len(numbers) == 3:
        found["radius"] = numbers[2]
    return found


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"a port is 0..65535, got {text!r}")
    return value


#: The longest --latency: a wait past any client timeout worth trying tells nothing more.
MAX_EMULATOR_LATENCY = 600.0


def _from_zero_to(high: float, what: str) -> Callable[[str], float]:
    """An argument type: a number from 0 to ``high`` (``what`` names it in the error)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0.0 <= value <= high:  # (false for nan)
            raise argparse.ArgumentTypeError(f"{what} from 0 to {high:g}, got {text!r}")
        return value

    return parse


_latency = _from_zero_to(MAX_EMULATOR_LATENCY, "seconds")
_share = _from_zero_to(1.0, "a share of requests")


def _tolerance(text: str) -> float:
    from walletpass.errors import ValidationError
    from walletpass.webhooks import MAX_TOLERANCE, check_tolerance

    try:
        window = check_tolerance(float(text))
    except (ValueError, ValidationError):
        window = None
    if window is None:
        raise argparse.ArgumentTypeError(
            f"seconds above 0 and at most {MAX_TOLERANCE:.0f}, got {text!r}"
        )
    return window


def _common_options() -> CliParser:
    # SUPPRESS defaults let these be given before or after the subcommand without the
    # subcommand's defaults overwriting what was given before it.
    common = CliParser(add_help=False)
    group = common.add_argument_group("provider and output")
    group.add_argument(
        "-p",
        "--provider",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="provider to use (default: WALLETPASS_PROVIDER, then the configuration file, "
        "then the built-in fake)",
    )
    group.add_argument(
        "--config",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="configuration file (default: WALLETPASS_CONFIG, ./walletpass.toml or "
        "[tool.walletpass] in ./pyproject.toml)",
    )
    group.add_argument(
        "--set",
        metavar="KEY=VALUE",
        dest="settings",
        action="append",
        type=assignment,
        default=argparse.SUPPRESS,
        help="override one provider setting (repeatable); secrets only from the environment",
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print JSON for scripts instead of tables",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="no notices on stderr (errors and warnings are still shown)",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="log requests to stderr and show tracebacks",
    )
    return common


def _content_options(parser: argparse.ArgumentParser, *, new: bool) -> None:
    """Flags that describe pass content, shared by create and update."""
    source = parser.add_argument_group("content source")
    source.add_argument(
        "--from-json",
        metavar="FILE",
        help="read the pass (create) or change (update) as a JSON object from FILE ('-': stdin); "
        "flags given as well override it",
    )
    source.add_argument(
        "--tz",
        metavar="ZONE",
        help="timezone for dates typed without one (e.g. Europe/Paris, UTC, +02:00)",
    )
    what = parser.add_argument_group("pass content")
    if new:
        what.add_argument(
            "--template",
            metavar="NAME",
            help="logical template (mapped per provider in configuration) or the vendor's own id",
        )
        what.add_argument("--kind", choices=PASS_KINDS, help="what the pass is for")
        what.add_argument(
            "--external-id", metavar="ID", help="your own id for the pass (e.g. an order number)"
        )
    what.add_argument("--holder-name", metavar="NAME", help="the holder's full name")
    what.add_argument("--holder-first-name", metavar="NAME", help="given name, if kept apart")
    what.add_argument("--holder-last-name", metavar="NAME", help="family name, if kept apart")
    what.add_argument("--holder-email", metavar="EMAIL", help="the holder's email address")
    what.add_argument("--holder-phone", metavar="PHONE", help="the holder's phone number")
    what.add_argument("--holder-language", metavar="LANG", help="e.g. en, fr-CA")
    what.add_argument(
        "--field",
        metavar="KEY=VALUE",
        dest="fields",
        action="append",
        type=lambda text: assignment(text, what="KEY=VALUE"),
        help="a template field (repeatable); KEY:=JSON for numbers and booleans",
    )
    what.add_argument("--barcode", metavar="MESSAGE", help="what the scanner reads")
    what.add_argument("--barcode-format", choices=BARCODE_FORMATS, help="default: qr")
    what.add_argument("--barcode-alt-text", metavar="TEXT", help="text printed under the code")
    what.add_argument(
        "--expires", metavar="WHEN", help="expiry date and time with a timezone (or give --tz)"
    )
    what.add_argument(
        "--relevant",
        metavar="WHEN",
        help="when the pass becomes relevant (lock-screen suggestion), with a timezone",
    )
    what.add_argument("--description", metavar="TEXT", help="what the pass is (accessibility)")
    what.add_argument("--logo-text", metavar="TEXT", help="text next to the logo")
    what.add_argument("--organization-name", metavar="TEXT", help="who issues the pass")
    what.add_argument("--color-bg", metavar="COLOR", help="background: #RRGGBB or rgb(r, g, b)")
    what.add_argument("--color-fg", metavar="COLOR", help="foreground: #RRGGBB or rgb(r, g, b)")
    what.add_argument("--color-label", metavar="COLOR", help="labels: #RRGGBB or rgb(r, g, b)")
    what.add_argument(
        "--location",
        metavar="LAT,LON[,RADIUS]",
        dest="locations",
        action="append",
        type=location,
        help="a place that makes the pass relevant (repeatable)",
    )
    what.add_argument(
        "--image",
        metavar="ROLE=REF",
        dest="images",
        action="append",
        type=lambda text: assignment(text, what="ROLE=URL-or-uploaded-id"),
        help="an image by role (icon, logo, strip, ...): a URL or an uploaded image id",
    )
    what.add_argument("--group", metavar="ID", help="groups passes together in the wallet")
    what.add_argument("--tier", metavar="NAME", help="membership or loyalty tier")
    what.add_argument("--balance", metavar="AMOUNT", help="stored value: points, credits, money")
    what.add_argument("--currency", metavar="CODE", help="unit of --balance (e.g. EUR, points)")
    what.add_argument("--event-title", metavar="TEXT", help="the occasion a ticket is for")
    what.add_argument(
        "--event-start", metavar="WHEN", help="when the event starts, with a timezone (or --tz)"
    )
    what.add_argument(
        "--extra",
        metavar="KEY=VALUE",
        action="append",
        type=assignment,
        help="vendor-specific passthrough (repeatable; see the provider's page)",
    )


def _worker_queue(parser: argparse._ActionsContainer) -> None:
    parser.add_argument(
        "--queue",
        metavar="NAME",
        default="walletpass",
        help="the Celery queue the run's tasks go through (default: walletpass)",
    )


def build_parser() -> CliParser:
    common = _common_options()
    parser = CliParser(
        prog=PROG,
        description=textwrap.fill(DESCRIPTION, 79),
        epilog=EPILOG,
        parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    def command(name: str, summary: str, description: str | None = None) -> CliParser:
        sub: CliParser = commands.add_parser(
            name,
            help=summary,
            description=description or summary,
            parents=[common],
            allow_abbrev=False,
        )
        return sub

    command(
        "providers",
        "list installed providers: package, version, emulator",
        "List every provider found through entry points or registered in this process, with "
        "its package, version and whether it ships a vendor emulator.",
    )

    caps = command(
        "capabilities",
        "show what providers support (the capability matrix)",
        "Render the capability matrix from the providers' own declarations: for each operation "
        "and field, native, emulated (the note says how) or none (the note names the "
        "alternative), with limits.",
    )
    caps.add_argument(
        "providers",
        nargs="*",
        metavar="PROVIDER",
        help="providers to show (default: every installed provider)",
    )
    caps.add_argument(
        "--format",
        choices=MATRIX_FORMATS,
        help="output format (default: table; --json means json)",
    )

    create = command(
        "create",
        "issue a pass",
        "Issue a pass from flags and/or a JSON file, then print it.",
    )
    _content_options(create, new=True)
    create.add_argument("--raw", action="store_true", help="also print the vendor's raw answer")

    get = command("get", "show a pass", "Read a pass back from the provider and print it.")
    get.add_argument("pass_id", metavar="ID", help="the pass id printed by create or list")
    get.add_argument("--raw", action="store_true", help="also print the vendor's raw answer")

    update = command(
        "update",
        "change an issued pass",
        "Change an issued pass: flags and fields not given stay as they are.",
    )
    update.add_argument("pass_id", metavar="ID", help="the pass to change")
    _content_options(update, new=False)
    notice = update.add_argument_group("notification")
    notice.add_argument("--message", metavar="TEXT", help="notification shown to the holder")
    notify = notice.add_mutually_exclusive_group()
    notify.add_argument(
        "--notify", dest="notify", action="store_const", const=True, help="tell the holder"
    )
    notify.add_argument(
        "--no-notify",
        dest="notify",
        action="store_const",
        const=False,
        help="update silently",
    )
    update.add_argument(
        "--clear",
        metavar="NAME",
        action="append",
        help="reset a top-level part to the template default (e.g. expires_at, fields, barcode)",
    )
    update.add_argument("--raw", action="store_true", help="also print the vendor's raw answer")

    redeem = command(
        "redeem",
        "use a pass once (scan a ticket, apply a coupon)",
        "Redeem a pass. What that means per vendor is in its capability notes.",
    )
    redeem.add_argument("pass_id", metavar="ID", help="the pass to redeem")
    redeem.add_argument("--amount", metavar="N", help="points or value to take off, if any")
    redeem.add_argument(
        "--option",
        metavar="KEY=VALUE",
        dest="options",
        action="append",
        type=assignment,
        help="vendor-specific redeem option (repeatable; see the provider's page)",
    )

    delete = command(
        "delete",
        "delete or permanently invalidate a pass",
        "Delete a pass (or invalidate it for good where the vendor cannot delete).",
    )
    delete.add_argument("pass_id", metavar="ID", help="the pass to delete")

    listing = command(
        "list", "list passes", "List passes, fetching pages from the provider as they are needed."
    )
    listing.add_argument("--template", metavar="NAME", help="only passes of this template")
    listing.add_argument("--status", choices=PASS_STATUSES, help="only passes in this state")
    listing.add_argument(
        "--limit",
        metavar="N",
        type=_positive_int,
        default=100,
        help="stop after N passes (default: 100; 0: all)",
    )
    listing.add_argument(
        "--page-size", metavar="N", type=_positive_int, help="passes per vendor request"
    )

    issue = command(
        "issue",
        "issue a pass for every row of a CSV or JSON Lines file",
        "Issue a pass for every row of a CSV or JSON Lines file, with a progress bar, a results "
        "file (row, pass id, urls, status, error) and, with --journal, safe resumption after a "
        "crash or Ctrl-C: rerun the same command and nothing is issued twice. A column named "
        "like a field (external_id, holder.name, holder.email, barcode, expires_at, ...) goes "
        "there (written exactly so: 'External_ID' is refused with a hint, map it explicitly); "
        "any other column becomes a template field of the same name. Exit status 0 only "
        "when every row has its pass.",
    )
    issue.add_argument(
        "file",
        metavar="FILE",
        help="a .csv with a header row (cells separated by ',', or by ';' or a tab when "
        "the header is), or a .jsonl file",
    )
    issue.add_argument(
        "--template",
        metavar="NAME",
        help="template for every row of a file without a template column (giving both is "
        "refused: drop the column with --map 'template=')",
    )
    issue.add_argument(
        "--map",
        metavar="COLUMN=FIELD",
        dest="mapping",
        action="append",
        type=column_mapping,
        help="send COLUMN to FIELD (e.g. 'Member No=external_id', 'Points=fields.points'); "
        "an empty FIELD drops the column (repeatable)",
    )
    issue.add_argument(
        "--tz", metavar="ZONE", help="timezone for dates in the file that carry none"
    )
    issue.add_argument(
        "--journal",
        metavar="FILE",
        help="SQLite journal that makes the run resumable without duplicates (with --workers: "
        "the workers' PostgreSQL database, postgresql://user@host:port/dbname)",
    )
    issue.add_argument(
        "--results",
        metavar="FILE",
        help="where to write per-row results, .csv or .jsonl (default: FILE.results.csv or "
        ".jsonl next to the input)",
    )
    issue.add_argument(
        "--concurrency",
        metavar="N",
        type=_positive_int,
        help="requests in flight at once (default: the provider's setting)",
    )
    issue.add_argument(
        "--no-progress", action="store_true", help="no progress bar (e.g. in CI logs)"
    )
    spread = issue.add_argument_group("across Celery workers (pip install 'walletpass[celery]')")
    spread.add_argument(
        "--workers",
        metavar="celery://HOST[:PORT][/DB]",
        help="send the rows to the walletpass workers on this Redis broker (or 'celery': the "
        "broker URL, password included, from WALLETPASS_CELERY_BROKER_URL); needs --journal "
        "postgresql://... and --run",
    )
    spread.add_argument(
        "--run",
        metavar="NAME",
        help="the run's name in the shared journal; the same name again resumes the run",
    )
    _worker_queue(spread)
    spread.add_argument(
        "--chunk-size",
        metavar="N",
        type=_positive_int,
        default=100,
        help="rows per task (default: 100)",
    )
    spread.add_argument(
        "--wait",
        metavar="SECONDS",
        type=float,
        default=1200.0,
        help="longest wait for the next chunk's results before stopping (default: 1200, longer "
        "than a lost worker's chunk takes to be delivered again; the workers go on, the same "
        "command again collects)",
    )

    worker = command(
        "worker",
        "issue the rows that walletpass issue --workers sends (a Celery worker)",
        "Run one Celery worker process that issues the chunks 'walletpass issue --workers' "
        "sends, with this machine's provider settings (credentials never travel through the "
        "broker) and the shared PostgreSQL journal. Start as many as you like, on any "
        "machine; stop with Ctrl-C (the chunk in hand is finished first).",
    )
    worker.add_argument(
        "broker",
        metavar="celery://HOST[:PORT][/DB]",
        help="the Redis broker (or 'celery': the URL from WALLETPASS_CELERY_BROKER_URL)",
    )
    worker.add_argument(
        "--journal",
        metavar="URL",
        required=True,
        help="the shared journal's PostgreSQL database: postgresql://user@host:port/dbname "
        "(password from PGPASSWORD or ~/.pgpass)",
    )
    _worker_queue(worker)
    worker.add_argument(
        "--concurrency",
        metavar="N",
        type=_positive_int,
        help="requests in flight at once within a chunk (default: the provider's setting)",
    )
    worker.add_argument(
        "--lease",
        metavar="SECONDS",
        type=float,
        default=30.0,
        help="how long a silent worker keeps its items before another takes them (default: 30)",
    )
    worker.add_argument(
        "--visibility-timeout",
        metavar="SECONDS",
        type=float,
        default=600.0,
        help="after how long a chunk whose worker vanished is delivered again; longer than a "
        "chunk takes (default: 600)",
    )
    worker.add_argument("--name", metavar="NAME", help="the worker's name (default: celery)")

    config = command("config", "inspect the configuration", "Inspect the configuration.")
    config_commands = config.add_subparsers(dest="config_command", metavar="ACTION")
    config_commands.add_parser(
        "check",
        help="show the resolved provider and settings, secrets masked, and what is missing",
        description="Show the provider and settings walletpass would use, where each value "
        "comes from (secrets masked), what is missing and every problem found (a value refused, "
        "a misspelt variable or table). Nothing is sent. Exit status 1 when something is "
        "missing or a problem was found.",
        parents=[common],
        allow_abbrev=False,
    )

    events = command(
        "events",
        "receive and print verified pass events (webhooks)",
        "Pass events. 'listen' runs a local webhook receiver that verifies each delivery with "
        "the subscription's secret (read from an environment variable) and prints its events.",
    )
    events_commands = events.add_subparsers(dest="events_command", metavar="ACTION")
    listen = events_commands.add_parser(
        "listen",
        help="run a local receiver and print verified events",
        description="Run a webhook receiver on this machine until Ctrl-C; print each verified "
        "event (--json: one JSON object per line). Refused deliveries are answered 403/400 and "
        "reported by reason only.",
        parents=[common],
        allow_abbrev=False,
    )
    listen.add_argument("--port", type=_port, default=0, help="port (default: any free port)")
    listen.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    listen.add_argument("--path", default="/", help="path shown in the printed URL")
    listen.add_argument(
        "--secret-env",
        default="WALLETPASS_WEBHOOK_SECRET",
        metavar="VAR",
        help="environment variable holding the signing secret (default: WALLETPASS_WEBHOOK_SECRET)",
    )
    listen.add_argument(
        "--tolerance",
        type=_tolerance,
        default=300.0,
        metavar="SECONDS",
        help="replay window checked against each delivery's timestamp (default: 300)",
    )

    emulate = command(
        "emulate",
        "serve a vendor emulator for integration tests",
        "Serve an installed provider's vendor emulator over HTTP until Ctrl-C, and print its "
        "address and test API key.",
    )
    emulate.add_argument("vendor", metavar="VENDOR", help="a provider that ships an emulator")
    emulate.add_argument(
        "--port", type=_port, default=0, help="port to listen on (default: any free port)"
    )
    emulate.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    emulate.add_argument(
        "--option",
        metavar="KEY=VALUE",
        dest="options",
        action="append",
        type=assignment,
        help="an emulator constructor option (repeatable), e.g. api_key=test; KEY:=JSON for a "
        "number, list or table, e.g. models:='[...]' (the vendor's dashboard: its page lists them)",
    )
    emulate.add_argument(
        "--latency",
        type=_latency,
        default=0.0,
        metavar="SECONDS",
        help="wait SECONDS before handling each request, to try timeouts, deadlines and Ctrl-C "
        "(default: 0)",
    )
    emulate.add_argument(
        "--flaky",
        type=_share,
        default=0.0,
        metavar="SHARE",
        help="give a SHARE of requests (0 to 1) a fault picked at random: the connection dropped "
        "before or after the request takes effect, a 503, or an unreadable answer; such a "
        "request does not wait --latency (default: 0)",
    )
    emulate.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="N",
        help="seed --flaky's choices, to repeat a run's sequence of faults",
    )
    return parser
