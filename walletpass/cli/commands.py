"""What each subcommand does. Every function takes the parsed arguments and returns an exit status.

Commands go through the public API only (``connect``-style resolution, ``Provider`` methods), so
the command line behaves exactly like application code would, errors included.
"""

from __future__ import annotations

import argparse
import errno
import itertools
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from walletpass.cli import content, render, stderr
from walletpass.cli.parser import UsageError
from walletpass.cli.session import Selection, describe_config_search, select_provider
from walletpass.config import env_prefix
from walletpass.errors import ConfigurationError, WalletPassError
from walletpass.matrix import ProviderMatrix
from walletpass.matrix import render as render_matrix
from walletpass.outcomes import dispatch_count
from walletpass.provider import Provider
from walletpass.redaction import MASK, is_secret_key, redact_text
from walletpass.registry import available_providers, load_provider_class, provider_info
from walletpass.settings import secret_setting_names

__all__ = ["COMMANDS"]


def _out(text: str) -> None:
    # Every line the CLI prints: a vendor's answer (``get --raw``) may echo a registered secret.
    sys.stdout.write(redact_text(text))


def _warn(text: str) -> None:
    stderr.report("warning", text)


def _json_wanted(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "json", False))


@contextmanager
def _connected(args: argparse.Namespace) -> Iterator[Provider]:
    provider = select_provider(args).resolved.connect()
    try:
        yield provider
    finally:
        provider.close()


@contextmanager
def _writing(wallet: Provider, operation: str) -> Iterator[None]:
    """A Ctrl-C once a request of this change had been handed to the vendor is reported as
    :class:`~walletpass.cli.stderr.InterruptedAfterSending` (the change may have taken effect);
    one before that stays a plain ``KeyboardInterrupt`` (nothing was sent)."""
    before = dispatch_count()
    try:
        yield
    except KeyboardInterrupt as exc:
        if dispatch_count() == before:
            raise
        raise stderr.InterruptedAfterSending(wallet.label, operation) from exc


# ------------------------------------------------------------------------------------------
# Providers and their declarations
# ------------------------------------------------------------------------------------------


def cmd_providers(args: argparse.Namespace) -> int:
    from walletpass.testing.emulators import available_emulators

    emulators = set(available_emulators())
    found: list[dict[str, Any]] = []
    for name in available_providers():
        info = provider_info(name)
        try:
            summary = load_provider_class(name).summary
            loads = True
        except WalletPassError as exc:
            summary, loads = f"cannot be loaded: {exc}", False
        found.append(
            {
                "name": name,
                "package": info.distribution
                or ("registered in this process" if info.registered_in_process else None),
                "version": info.version,
                "target": info.target,
                "emulator": name in emulators,
                "loads": loads,
                "summary": summary,
            }
        )
    if _json_wanted(args):
        _out(render.dump_json(found))
        return 0
    _out(
        render.table(
            ["NAME", "PACKAGE", "VERSION", "EMULATOR", "SUMMARY"],
            (
                [
                    p["name"],
                    p["package"] or "",
                    p["version"] or "",
                    "yes" if p["emulator"] else "no",
                    p["summary"],
                ]
                for p in found
            ),
        )
    )
    return 0


def _matrix_of(name: str) -> ProviderMatrix:
    provider_cls = load_provider_class(name)
    info = provider_info(name)
    return ProviderMatrix.of(provider_cls, package=info.distribution, version=info.version)


def cmd_capabilities(args: argparse.Namespace) -> int:
    fmt = args.format or ("json" if _json_wanted(args) else "table")
    status = 0
    matrices: list[ProviderMatrix] = []
    if args.providers:
        matrices = [_matrix_of(name) for name in dict.fromkeys(args.providers)]
    else:
        for name in available_providers():
            try:
                matrices.append(_matrix_of(name))
            except WalletPassError as exc:
                _warn(f"left out {name!r}: {exc}")
                status = 1
    _out(render_matrix(matrices, fmt))
    return status


# ------------------------------------------------------------------------------------------
# Pass operations
# ------------------------------------------------------------------------------------------


def _show_pass(args: argparse.Namespace, issued: Any) -> None:
    raw = bool(getattr(args, "raw", False))
    if _json_wanted(args):
        _out(render.dump_json(render.pass_data(issued, raw=raw)))
    else:
        _out(render.pass_table(issued, raw=raw))


def cmd_create(args: argparse.Namespace) -> int:
    new_pass = content.build_pass(args)
    with _connected(args) as wallet, _writing(wallet, "create"):
        _show_pass(args, wallet.create(new_pass))
    return 0


def cmd_get(args: argparse.Namespace) -> int:
    with _connected(args) as wallet:
        _show_pass(args, wallet.get(args.pass_id))
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    change = content.build_update(args)
    with _connected(args) as wallet, _writing(wallet, "update"):
        _show_pass(args, wallet.update(args.pass_id, change))
    return 0


def cmd_redeem(args: argparse.Namespace) -> int:
    with _connected(args) as wallet, _writing(wallet, "redeem"):
        redemption = wallet.redeem(
            args.pass_id, amount=args.amount, options=dict(args.options or ())
        )
    if _json_wanted(args):
        _out(render.dump_json(redemption.model_dump(mode="json", exclude={"raw"})))
    else:
        _out(render.redemption_table(redemption))
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    with _connected(args) as wallet, _writing(wallet, "delete"):
        wallet.delete(args.pass_id)
    if _json_wanted(args):
        _out(render.dump_json({"id": args.pass_id, "deleted": True}))
    else:
        _out(f"deleted {render.clean(args.pass_id)}\n")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with _connected(args) as wallet:
        found = wallet.list(template=args.template, status=args.status, page_size=args.page_size)
        passes = list(itertools.islice(found, args.limit or None))
    if _json_wanted(args):
        _out(render.dump_json([render.pass_data(p) for p in passes]))
    elif passes:
        _out(render.passes_table(passes))
    else:
        _out("no passes\n")
    return 0


# ------------------------------------------------------------------------------------------
# Configuration
# ------------------------------------------------------------------------------------------


def _uses_http(provider: Provider) -> bool:
    """Whether the provider talks HTTP through the build hooks (the fake does not)."""
    hooks = ("build_create", "build_get", "build_update", "build_redeem", "build_list")
    return any(getattr(type(provider), hook) is not getattr(Provider, hook) for hook in hooks)


def _missing(selection: Selection) -> tuple[Provider | None, list[str], list[str]]:
    """The provider made from the selection, what is missing, and what is wrong."""
    try:
        provider = selection.resolved.connect()
    except ConfigurationError as exc:
        # a value that is there but wrong (plain http:// to a remote host) is a problem to fix,
        # not a setting to add
        if (
            isinstance(exc.details, dict)
            and exc.details.get("invalid")
            and not exc.details.get("missing")
        ):
            return None, [], [exc.message]
        return None, [exc.message], []
    if not _uses_http(provider):
        return provider, [], []
    try:
        provider.make_transport().close()
    except ConfigurationError as exc:
        return provider, [exc.message], []
    return provider, [], []


def _shown(name: str, value: Any, secret: bool) -> Any:
    if value is None:
        return None
    if secret or is_secret_key(name):
        return MASK
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {k: _shown(k, v, False) for k, v in value.items()}
    return value


def _effective_default(provider_cls: type[Provider], name: str, field: Any) -> tuple[Any, str]:
    """The value an unset setting really has, and where that comes from."""
    if name == "base_url" and provider_cls.default_base_url:
        return provider_cls.default_base_url, "default: the vendor's API"
    if name == "rate_limit":
        rate = provider_cls.default_rate_limit
        if rate:
            return rate, "default: the vendor's documented rate"
        return 0, "default: off (the vendor documents no rate)"
    # a description says what an unset value means as "(...; default: what happens)"
    said = re.search(r"\bdefault: ([^)]*)", str(field.description or ""))
    return None, f"default: {said.group(1).strip()}" if said else "default"


def cmd_config_check(args: argparse.Namespace) -> int:
    from walletpass.errors import ConfigurationWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConfigurationWarning)
        selection = select_provider(args, warn_instead=True)
        provider, missing, wrong = _missing(selection)
    problems = [str(w.message) for w in caught if issubclass(w.category, ConfigurationWarning)]
    problems += wrong
    problems += _other_tables(selection)
    for other in caught:
        if not issubclass(other.category, ConfigurationWarning):
            warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)
    resolved = selection.resolved
    provider_cls = load_provider_class(resolved.provider)
    settings_cls = provider_cls.Settings
    secrets = secret_setting_names(settings_cls)
    try:
        values: dict[str, Any] = (
            dict(provider.settings) if provider is not None else dict(resolved.values)
        )
    finally:
        if provider is not None:
            provider.close()
    prefix = env_prefix(resolved.provider)
    settings = {}
    for name, field in settings_cls.model_fields.items():
        value = values[name] if name in values else field.get_default(call_default_factory=True)
        source = resolved.sources.get(name, "default")
        if value is None and name not in resolved.sources:
            value, source = _effective_default(provider_cls, name, field)
        settings[name] = {
            "value": _shown(name, value, name in secrets),
            "source": source,
            "secret": name in secrets,
            "env": prefix + name.upper(),
        }
    report = {
        "provider": resolved.provider,
        "provider_source": selection.provider_source,
        "config_file": str(resolved.file) if resolved.file else None,
        "settings": settings,
        "missing": missing,
        "problems": problems,
        "ok": not missing and not problems,
    }
    if _json_wanted(args):
        _out(render.dump_json(report))
    else:
        _out(
            render.pairs(
                [
                    ("provider", f"{resolved.provider}  ({selection.provider_source})"),
                    ("config file", resolved.file or describe_config_search()),
                ]
            )
            + "\n"
        )
        _out(
            render.table(
                ["SETTING", "VALUE", "SOURCE", "ENVIRONMENT VARIABLE"],
                (
                    [
                        name,
                        _display(entry["value"]),
                        entry["source"],
                        entry["env"],
                    ]
                    for name, entry in settings.items()
                ),
            )
        )
        _out("\n" + ("ready: nothing is missing (nothing was sent)\n" if report["ok"] else ""))
        for problem in problems:
            _out(f"problem: {render.clean(problem)}\n")
    if missing:
        raise ConfigurationError(
            "configuration incomplete: " + "; ".join(missing), provider=resolved.provider
        )
    if problems:
        raise ConfigurationError(
            f"configuration has {len(problems)} problem(s): " + "; ".join(problems),
            provider=resolved.provider,
        )
    return 0


def _other_tables(selection: Selection) -> list[str]:
    """Problems of the file's tables for installed providers other than the selected one.

    A file often holds a table per vendor while only one is in use; a typo in another table
    (``timeot``, ``feilds``, a secret stored in the file) should surface now, not on the day the
    provider is switched. Each table is resolved as if its provider were selected, with the same
    code that would then read it; nothing is sent.
    """
    import tomllib

    from walletpass.config import resolve_config

    file = selection.resolved.file
    if file is None:
        return []
    try:
        tables = tomllib.loads(file.read_text(encoding="utf-8")).get("providers")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []  # the selected provider's resolution already reported the file
    if not isinstance(tables, dict):
        return []
    installed = set(available_providers())
    found = []
    for name in sorted(tables):
        if name == selection.resolved.provider or name not in installed:
            continue  # the selected one is checked above; unknown names are warned about
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # file-wide warnings are reported once above
                resolve_config(name, path=file).connect().close()
        except ConfigurationError as exc:
            found.append(f"[providers.{name}]: {exc.message}")
    return found


def _display(value: Any) -> str:
    if value is None:
        return "not set"
    if isinstance(value, str):
        return value
    return render.dump_json(value).replace("\n", " ").replace("  ", "").strip()


# ------------------------------------------------------------------------------------------
# Emulators
# ------------------------------------------------------------------------------------------


def cmd_emulate(args: argparse.Namespace) -> int:
    from walletpass.testing import emulator as harness
    from walletpass.testing.emulators import load_emulator
    from walletpass.transport import is_loopback_host

    if args.host.strip("[]") not in harness.WILDCARD_HOSTS and not is_loopback_host(
        args.host.strip("[]")
    ):
        raise UsageError(
            f"--host {args.host}: walletpass sends credentials over plain HTTP to loopback "
            "addresses only, so it could not use an emulator there; use 127.0.0.1 (the "
            "default) or 0.0.0.0 to listen on every interface (then 127.0.0.1 reaches it "
            "from this machine)"
        )
    app = load_emulator(args.vendor, **dict(args.options or ()))
    # One fault per request: the flaky share is drawn first, the latency slows the rest.
    if args.flaky:
        app.inject_randomly(
            [
                harness.Fault.reset(),
                harness.Fault.reset_after(),
                harness.Fault.respond(503),
                harness.Fault.malformed(),
            ],
            rate=args.flaky,
            seed=args.seed,
        )
    if args.latency:
        app.inject_randomly([harness.Fault.latency(args.latency)], rate=1.0)
    api_key = getattr(app, "api_key", None)
    prefix = env_prefix(args.vendor)

    def ready(url: str) -> None:
        lines = [f"serving the {args.vendor} emulator at {url} (Ctrl-C to stop)"]
        if args.host.strip("[]") in harness.WILDCARD_HOSTS:
            lines.append(
                f"listening on every interface ({args.host}); the address above reaches it "
                "from this machine"
            )
        if args.flaky:
            seeded = "" if args.seed is None else f", seed {args.seed}"
            lines.append(f"flaky: a random fault on {args.flaky:.0%} of requests{seeded}")
        if args.latency:
            lines.append(f"latency: {args.latency:g} s before handling each request")
        settings = f"{prefix}BASE_URL={url}"
        if isinstance(api_key, str):
            lines.append(f"test API key: {api_key}")
            settings += f" {prefix}API_KEY={api_key}"
        lines.append(f"point walletpass at it with: {settings}")
        print("\n".join(lines), flush=True)

    try:
        with _stop_on_sigterm():
            harness.serve(app, host=args.host, port=args.port, ready=ready)
    except OSError as exc:
        # only a taken port is fixed by another --port; anything else is about the address
        bare = args.host.strip("[]")
        shown = f"[{bare}]" if ":" in bare else bare
        fix = (
            "choose another --port (0 picks a free one)"
            if exc.errno in (errno.EADDRINUSE, errno.EACCES)
            else "choose another --host (127.0.0.1, ::1, 0.0.0.0 or ::)"
        )
        raise ConfigurationError(
            f"cannot listen on {shown}:{args.port}: {exc.strerror or exc}; {fix}"
        ) from exc
    return 0


@contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """``kill`` (or a test harness terminating us) stops the server as Ctrl-C does."""
    import signal

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (main() called from a thread): leave it alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_config(args: argparse.Namespace) -> int:
    if args.config_command == "check":
        return cmd_config_check(args)
    raise UsageError("config needs an action: walletpass config check")


def cmd_events(args: argparse.Namespace) -> int:
    from walletpass.cli.events import cmd_events as run_events

    return run_events(args)


def cmd_issue(args: argparse.Namespace) -> int:
    from walletpass.cli.issue import cmd_issue as run_issue

    return run_issue(args)


def cmd_worker(args: argparse.Namespace) -> int:
    from walletpass.cli.distributed import cmd_worker as run_worker

    return run_worker(args)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "providers": cmd_providers,
    "capabilities": cmd_capabilities,
    "create": cmd_create,
    "get": cmd_get,
    "update": cmd_update,
    "redeem": cmd_redeem,
    "delete": cmd_delete,
    "list": cmd_list,
    "issue": cmd_issue,
    "worker": cmd_worker,
    "config": cmd_config,
    "emulate": cmd_emulate,
    "events": cmd_events,
}
