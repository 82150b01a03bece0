"""The ``walletpass`` command line.

Exit statuses: 0 success, 1 an error walletpass reports (the message names what to fix),
2 a command line that cannot be run as typed, 130 interrupted. Errors are one line on stderr;
``--debug`` adds the traceback and request logging. Anything that is not a walletpass error is a
bug in walletpass or a plugin, and says so.

Only the argument grammar is imported up front; commands, providers and the testing kit load when
a command runs, so ``walletpass --help`` stays quick.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from walletpass.cli.parser import UsageError, build_parser

__all__ = ["main"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _error(
    message: str, exc: BaseException | None, exit_status: int, plain: str | None = None
) -> int:
    from walletpass.cli import stderr

    stderr.error(message, exc, exit_status, plain=plain)
    return exit_status


@contextmanager
def _cli_warnings() -> Iterator[None]:
    """Warnings (e.g. a field dropped in lenient mode) as one line each, without source lines."""
    from walletpass.cli import stderr

    def show(message: Warning | str, *where: object, **more: object) -> None:
        stderr.report("warning", str(message))

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


@contextmanager
def _debug_logging(enabled: bool) -> Iterator[None]:
    """Request logging on stderr for one run; removed afterwards so repeated ``main()`` calls
    (tests, embedding) never stack handlers or write to a stream that has since closed."""
    if not enabled:
        yield
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger = logging.getLogger("walletpass")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``walletpass`` with ``argv`` (default: the process's arguments); the exit status."""
    from walletpass.cli.stderr import json_mode

    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(words)
    except UsageError as exc:
        # the command line did not parse, so --json is looked for among the words as typed
        with json_mode("--json" in words):
            return _error(str(exc), exc, EXIT_USAGE)
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    debug = bool(getattr(args, "debug", False))
    with _debug_logging(debug), json_mode(bool(getattr(args, "json", False))):
        return _run(args, debug)


def _run(args: Any, debug: bool) -> int:
    from walletpass.errors import WalletPassError

    try:
        from walletpass.cli.commands import COMMANDS

        with _cli_warnings():
            return COMMANDS[args.command](args)
    except UsageError as exc:
        command = " ".join(
            part for part in (args.command, getattr(args, "config_command", None)) if part
        )
        return _error(f"{exc} (see 'walletpass {command} --help')", exc, EXIT_USAGE)
    except WalletPassError as exc:
        if debug:
            _print_traceback(exc)
        hint = _hint(exc)
        return _error(str(exc) + hint, exc, EXIT_ERROR, plain=exc.message + hint)
    except KeyboardInterrupt as exc:
        from walletpass.cli.stderr import InterruptedAfterSending

        if isinstance(exc, InterruptedAfterSending):
            return _error(
                f"[{exc.provider}.{exc.operation}] {exc}", exc, EXIT_INTERRUPTED, plain=str(exc)
            )
        return _error("interrupted", exc, EXIT_INTERRUPTED)
    except BrokenPipeError:
        # The reader went away (``walletpass list | head``); nothing left worth saying.
        _silence_stdout()
        return EXIT_ERROR
    except Exception as exc:
        if debug:
            _print_traceback(exc)
        return _error(
            f"unexpected {type(exc).__name__}: {exc} — this is a bug in walletpass or a provider "
            "plugin; rerun with --debug for the traceback and report it",
            exc,
            EXIT_ERROR,
        )


def _print_traceback(exc: BaseException) -> None:
    """--debug's traceback on stderr, secrets masked as in every other line printed."""
    from walletpass.redaction import masked_traceback

    sys.stderr.write(masked_traceback(exc))


def _hint(exc: Exception) -> str:
    """What to do next, for errors whose message is the vendor's and may not say it."""
    from walletpass.config import env_prefix
    from walletpass.errors import AuthenticationError, ProviderUnavailable, RateLimited

    if isinstance(exc, AuthenticationError) and exc.provider:
        # an imitation is labelled "fake(profile=...)": its settings are the fake's
        name = exc.provider.split("(", 1)[0]
        return f" (check the API key in {env_prefix(name)}API_KEY)"
    if isinstance(exc, RateLimited):
        return " (the vendor's rate limit was reached; try again shortly)"
    if isinstance(exc, ProviderUnavailable):
        return " (the vendor could not be reached or failed; try again later)"
    return ""


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (captured in tests)
        pass
