"""Pass content typed on the command line or read from JSON, turned into the neutral model.

A person types dates without thinking of timezones, so dates go through python-dateutil and must
say their zone (or ``--tz`` supplies one); a silently assumed zone would move a ticket's expiry by
hours. Problems the model finds are reported under the flag the person typed, not the model's
field path, so the message says what to fix on the command line.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from walletpass.cli.parser import UsageError
from walletpass.errors import FieldProblem, ValidationError
from walletpass.messages import json_problem
from walletpass.model import Pass, PassUpdate
from walletpass.rows import parse_when, timezone_named

__all__ = ["FLAG_OF", "build_pass", "build_update", "read_json_object"]

#: Model field path -> the flag that sets it (for error messages).
FLAG_OF: dict[str, str] = {
    "template": "--template",
    "kind": "--kind",
    "external_id": "--external-id",
    "holder.name": "--holder-name",
    "holder.first_name": "--holder-first-name",
    "holder.last_name": "--holder-last-name",
    "holder.email": "--holder-email",
    "holder.phone": "--holder-phone",
    "holder.language": "--holder-language",
    "fields": "--field",
    "barcode.message": "--barcode",
    "barcode.format": "--barcode-format",
    "barcode.alt_text": "--barcode-alt-text",
    "expires_at": "--expires",
    "relevant_at": "--relevant",
    "description": "--description",
    "logo_text": "--logo-text",
    "organization_name": "--organization-name",
    "colors.background": "--color-bg",
    "colors.foreground": "--color-fg",
    "colors.label": "--color-label",
    "locations": "--location",
    "images": "--image",
    "group": "--group",
    "tier": "--tier",
    "balance.amount": "--balance",
    "balance.currency": "--currency",
    "event.title": "--event-title",
    "event.starts_at": "--event-start",
    "extra": "--extra",
    "message": "--message",
}

#: Flag attribute -> (model path, is a date)
_SCALARS: dict[str, tuple[tuple[str, ...], bool]] = {
    "template": (("template",), False),
    "kind": (("kind",), False),
    "external_id": (("external_id",), False),
    "holder_name": (("holder", "name"), False),
    "holder_first_name": (("holder", "first_name"), False),
    "holder_last_name": (("holder", "last_name"), False),
    "holder_email": (("holder", "email"), False),
    "holder_phone": (("holder", "phone"), False),
    "holder_language": (("holder", "language"), False),
    "barcode_format": (("barcode", "format"), False),
    "barcode_alt_text": (("barcode", "alt_text"), False),
    "expires": (("expires_at",), True),
    "relevant": (("relevant_at",), True),
    "description": (("description",), False),
    "logo_text": (("logo_text",), False),
    "organization_name": (("organization_name",), False),
    "color_bg": (("colors", "background"), False),
    "color_fg": (("colors", "foreground"), False),
    "color_label": (("colors", "label"), False),
    "group": (("group",), False),
    "tier": (("tier",), False),
    "balance": (("balance", "amount"), False),
    "currency": (("balance", "currency"), False),
    "event_title": (("event", "title"), False),
    "event_start": (("event", "starts_at"), True),
    "message": (("message",), False),
}
_JSON_DATES = (("expires_at",), ("relevant_at",), ("event", "starts_at"))
_UPDATE_CONTROL = frozenset({"message", "notify"})


def read_json_object(source: str) -> dict[str, Any]:
    """The JSON object in ``source`` (a path, or ``-`` for stdin)."""
    where = "stdin" if source == "-" else source
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError.from_problems(
            [FieldProblem("--from-json", f"cannot read {where}: {exc.strerror or exc}")]
        ) from None
    except UnicodeDecodeError:
        raise ValidationError.from_problems(
            [FieldProblem("--from-json", f"{where} is not UTF-8 text")]
        ) from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValidationError.from_problems(
            [FieldProblem("--from-json", f"{where} is not valid JSON: {json_problem(exc)}")]
        ) from None
    if not isinstance(data, dict):
        raise ValidationError.from_problems(
            [FieldProblem("--from-json", f"{where} must hold a JSON object, not {_kind(data)}")]
        )
    return data


def _kind(value: Any) -> str:
    return {list: "an array", str: "a string", type(None): "null"}.get(type(value), "a value")


def _timezone(args: argparse.Namespace) -> tzinfo | None:
    if not args.tz:
        return None
    try:
        return timezone_named(args.tz)
    except ValueError as exc:
        raise UsageError(f"--tz: {exc} (use a name such as Europe/Paris, UTC or +02:00)") from None


def _when(text: str, flag: str, tz: tzinfo | None) -> datetime:
    try:
        return parse_when(text, tz)
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from None


def _put(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target = data
    for part in path[:-1]:
        current = target.get(part)
        if not isinstance(current, dict):
            current = {}
            target[part] = current
        target = current
    target[path[-1]] = value


def _json_dates(data: dict[str, Any], tz: tzinfo | None) -> None:
    """Dates in the JSON file follow the same rule as typed ones: a zone, or --tz."""
    for path in _JSON_DATES:
        parent: Any = data
        for part in path[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if not isinstance(parent, dict) or not isinstance(parent.get(path[-1]), str):
            continue
        try:
            parent[path[-1]] = parse_when(parent[path[-1]], tz)
        except ValueError as exc:
            raise ValidationError.from_problems(
                [FieldProblem(f"--from-json: {'.'.join(path)}", str(exc))]
            ) from None


def _overlay_flags(data: dict[str, Any], args: argparse.Namespace, tz: tzinfo | None) -> None:
    barcode_parts = args.barcode_format or args.barcode_alt_text
    if barcode_parts and args.barcode is None and not isinstance(data.get("barcode"), dict):
        raise UsageError("--barcode-format and --barcode-alt-text need --barcode MESSAGE")
    for attr, (path, is_date) in _SCALARS.items():
        value = getattr(args, attr, None)
        if value is None:
            continue
        if is_date:
            value = _when(value, "--" + attr.replace("_", "-"), tz)
        _put(data, path, value)
    if args.barcode is not None:
        _put(data, ("barcode", "message"), args.barcode)
    for attr, key in (("fields", "fields"), ("extra", "extra"), ("images", "images")):
        pairs = getattr(args, attr, None)
        if pairs:
            current = data.get(key)
            data[key] = {**(current if isinstance(current, dict) else {}), **dict(pairs)}
    if args.locations:
        data["locations"] = list(args.locations)


def _flag_problems(exc: ValidationError, from_flags: set[str]) -> ValidationError:
    """Name problems after the flags that caused them."""
    problems = []
    for problem in exc.problems:
        location = problem.location
        for path, flag in FLAG_OF.items():
            if (location == path or location.startswith(path + ".")) and flag in from_flags:
                location = f"{flag} ({location})"
                break
        problems.append(FieldProblem(location, problem.message))
    return ValidationError.from_problems(problems)


def _given_flags(args: argparse.Namespace) -> set[str]:
    given = {"--" + attr.replace("_", "-") for attr in _SCALARS if getattr(args, attr, None)}
    given |= {"--barcode"} if args.barcode is not None else set()
    for attr, flag in (
        ("fields", "--field"),
        ("extra", "--extra"),
        ("images", "--image"),
        ("locations", "--location"),
    ):
        if getattr(args, attr, None):
            given.add(flag)
    return given


def _base(args: argparse.Namespace, tz: tzinfo | None) -> dict[str, Any]:
    data = read_json_object(args.from_json) if args.from_json else {}
    _json_dates(data, tz)
    return data


def build_pass(args: argparse.Namespace) -> Pass:
    """The pass described by ``--from-json`` and the content flags (flags win)."""
    tz = _timezone(args)
    data = _base(args, tz)
    _overlay_flags(data, args, tz)
    if not data.get("template"):
        raise UsageError(
            'create needs a template: give --template NAME (or a "template" key in --from-json)'
        )
    try:
        return Pass.model_validate(data)
    except ValidationError as exc:
        raise _flag_problems(exc, _given_flags(args)) from None


def build_update(args: argparse.Namespace) -> PassUpdate:
    """The change described by ``--from-json``, the content flags and ``--clear``."""
    tz = _timezone(args)
    data = _base(args, tz)
    _overlay_flags(data, args, tz)
    if args.notify is not None:
        data["notify"] = args.notify
    content = set(PassUpdate.model_fields) - _UPDATE_CONTROL
    for name in args.clear or ():
        if name not in content:
            raise UsageError(
                f"--clear {name!r}: not a part of a pass; one of {', '.join(sorted(content))}"
            )
        if name in data:
            raise UsageError(f"--clear {name!r} contradicts a value given for it as well")
        data[name] = None
    if not data:
        raise UsageError(
            "update needs something to change: content flags, --message, --clear or --from-json"
        )
    try:
        return PassUpdate.model_validate(data)
    except ValidationError as exc:
        raise _flag_problems(exc, _given_flags(args)) from None
