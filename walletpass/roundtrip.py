"""The round trip: what an application writes under its logical names it reads back under them.

A template alias (see :class:`walletpass.settings.TemplateAlias`) maps a logical template name to a
vendor's template, logical field names to the template's keys (optionally typed), and neutral
attributes the vendor has no home for (``external_id``, ``holder.name``...) to template fields.
This module applies an alias both ways, once, for every provider:

- :func:`pass_to_vendor` / :func:`change_to_vendor` turn the application's pass or update into the
  vendor's terms before the provider's checks and build hook see it: typed values are checked and
  normalised, attributes are moved into their fields, field names are renamed.
- :func:`issued_from_vendor` turns whatever a provider parsed back into the application's terms:
  the logical template name (the vendor's id stays in ``vendor_template``), logical field names,
  values of the declared types, attributes restored from their fields.

An alias's ``balance_field`` names the logical field that is the pass's balance: written, its
value travels as ``Pass.balance`` (``PassUpdate.balance``), which each vendor keeps where its
balances live (a loyalty endpoint, a balance attribute, a business-data key); read back, the
balance fills that field again, and the vendor's own balance keys are not repeated as fields. A
vendor without balances refuses such a field clearly, before anything is sent.

Fields the alias does not name keep the vendor's key, and their values keep the JSON type the
vendor answered with (vendors differ: PassEntry answers text, Livepasses numbers): declare a
``type`` for every field an application reads back, so every vendor reads back the same value.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, NamedTuple

from dateutil.parser import isoparse

from walletpass.copies import replaced
from walletpass.errors import (
    ConfigurationWarning,
    FieldProblem,
    InvalidResponse,
    UnsupportedFeature,
    ValidationError,
)
from walletpass.model import (
    Balance,
    Holder,
    IssuedPass,
    Pass,
    PassField,
    PassUpdate,
    names_holder,
)
from walletpass.redaction import masked_excerpt
from walletpass.settings import BalanceAlias, FieldType, TemplateAlias
from walletpass.values import number_problem

__all__ = [
    "SHADOWED_FIELDS",
    "TemplateMapping",
    "attribute_value",
    "change_to_vendor",
    "convert_read",
    "convert_write",
    "issued_from_vendor",
    "pass_to_vendor",
    "plain_changes",
    "without_attributes",
]

#: ``IssuedPass.meta`` key holding the vendor's fields whose keys are spelled like a logical
#: field name the alias gives to another value (the logical field keeps its name).
SHADOWED_FIELDS = "shadowed_fields"

_HOLDER_PARTS = {"holder.name": "name", "holder.email": "email", "holder.phone": "phone"}
# Compiled by ``re`` at their first use, not at import (start-up).
# ASCII digits only ((?a), re.ASCII): str's \d also matches other scripts' digits (Arabic-Indic,
# fullwidth), which int() reads but no vendor's JSON number or template text means (\Z: $ would
# admit a final newline).
_INTEGER = r"(?a)^[+-]?\d{1,64}\Z"
#: A decimal as text: digits, an optional point, an optional exponent (JSON's number grammar,
#: bounded); the value's own bounds are checked once parsed.
_DECIMAL = r"(?a)^[+-]?(\d{1,130}(\.\d{0,130})?|\.\d{1,130})([eE][+-]?\d{1,3})?\Z"
#: A date as text: the calendar date form YYYY-MM-DD the error names (ISO 8601's extended form,
#: what every vendor's date fields show); date.fromisoformat alone also takes 20260329 and
#: week dates (2026-W13-7), which a vendor would keep as text another app reads differently.
_DATE = r"(?a)^\d{4}-\d{2}-\d{2}\Z"
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


class TemplateMapping(NamedTuple):
    """The alias in force for one pass, with the provider's default attribute homes merged in.

    ``logical`` is the application's template name (``None`` when the pass names a vendor
    template directly); ``attributes`` maps neutral attributes to template field keys;
    ``balance_keys`` are the template keys in which the vendor answers a balance (its
    ``behaviour.balance_fields``); ``no_balance`` is why the vendor has no balance (its
    declaration's note), ``None`` where it has one.
    """

    logical: str | None
    alias: TemplateAlias | None
    attributes: Mapping[str, str] = MappingProxyType({})
    balance_keys: tuple[str, ...] = ()
    no_balance: str | None = None

    @property
    def balance(self) -> BalanceAlias | None:
        """The alias's ``balance_field``, if it names one."""
        return self.alias.balance_field if self.alias is not None else None

    def vendor_key(self, name: str) -> str:
        return self.alias.vendor_key(name) if self.alias is not None else name

    def field_type(self, name: str) -> FieldType | None:
        return self.alias.field_type(name) if self.alias is not None else None

    def logical_names(self) -> dict[str, str]:
        """Vendor key -> logical field name, for the fields the alias renames."""
        if self.alias is None:
            return {}
        return {entry.key: name for name, entry in self.alias.fields.items()}


# --------------------------------------------------------------------------------------------
# Typed values
# --------------------------------------------------------------------------------------------


def convert_write(value: Any, kind: FieldType) -> Any:
    """The application's ``value`` as ``kind``, in the form it travels in; raises ``ValueError``
    saying what is wrong.

    The form is one every vendor's fields take and :func:`convert_read` reads back as ``kind``:
    a ``decimal`` is written out in digits (``Decimal("1E+3")`` travels as ``1000``: a vendor
    keeping it as text would answer ``1E+3``, which is no amount on a pass), and a ``bool`` as
    the text ``true`` / ``false`` (no vendor's template fields hold a JSON boolean: Pass2U,
    PassEntry and Livepasses refuse one, as the holder would read it as text anyway).
    """
    if isinstance(value, PassField):
        return value.model_copy(update={"value": convert_write(value.value, kind)})
    converted = _convert(value, kind)
    if converted is _INVALID:
        raise ValueError(f"must be {_DESCRIPTION[kind]}, got {_show(value)}")
    if kind in (FieldType.INT, FieldType.DECIMAL):
        # Text that converts to a number is then a number on the wire: the one rule for what
        # a number can carry (walletpass.values) holds for it too.
        problem = number_problem(converted)
        if problem is not None:
            raise ValueError(problem)
    if kind is FieldType.DECIMAL:
        return Decimal(format(converted, "f"))
    if kind is FieldType.BOOL:
        return "true" if converted else "false"
    if kind is FieldType.DATETIME and converted.microsecond:
        # Every vendor's documented form has whole seconds (PassEntry and Livepasses write UTC
        # with a Z, Pass2U the value's own offset): a fraction would be cut off on the way out
        # and read back as another instant, so it is refused here, not truncated.
        raise ValueError(
            f"has a fraction of a second ({_show(value)}): vendors keep whole seconds; "
            "round it (value.replace(microsecond=0))"
        )
    return converted


def convert_read(value: Any, kind: FieldType) -> Any:
    """A vendor's answer ``value`` as ``kind``; raises ``ValueError`` quoting the vendor's text.

    A ``datetime`` reads back in UTC: the instant is the value, and its offset only a way of
    writing it that some vendors keep (Pass2U, the fake) and others do not (PassEntry and
    Livepasses answer UTC), so one offset for every provider is the only one they all give.
    """
    converted = _convert(value, kind)
    if converted is _INVALID:
        raise ValueError(f"the vendor answered {_show(value)}, which is not {_DESCRIPTION[kind]}")
    if kind is FieldType.DATETIME:
        return converted.astimezone(UTC)
    return converted


_INVALID = object()

_DESCRIPTION = {
    FieldType.TEXT: "text",
    FieldType.INT: "a whole number",
    FieldType.DECIMAL: "a number (at most 64 significant digits, 10^±64)",
    FieldType.BOOL: "true or false",
    FieldType.DATE: "a date (YYYY-MM-DD)",
    FieldType.DATETIME: "a date and time with a UTC offset",
}


def _show(value: Any) -> str:
    return masked_excerpt(repr(value), 80, "...")  # (a vendor's answer: it may echo the key)


def _convert(value: Any, kind: FieldType) -> Any:
    if kind is FieldType.TEXT:
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | Decimal):
            return str(value)
        return _INVALID
    if kind is FieldType.BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        return _INVALID
    if kind is FieldType.INT:
        return _to_int(value)
    if kind is FieldType.DECIMAL:
        return _to_decimal(value)
    if kind is FieldType.DATE:
        return _to_date(value)
    return _to_datetime(value)


def _to_int(value: Any) -> Any:
    if isinstance(value, bool):
        return _INVALID
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**63 else _INVALID
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value() and value.adjusted() < 64:
            return int(value)
        return _INVALID
    if isinstance(value, str) and re.match(_INTEGER, value.strip()):
        return int(value.strip())
    return _INVALID


def _to_decimal(value: Any) -> Any:
    if isinstance(value, bool):
        return _INVALID
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else _INVALID
    if isinstance(value, Decimal):
        # Bounded both ways, so its digits (written out by convert_write) read back.
        bounded = -64 <= value.adjusted() <= 64 and len(value.as_tuple().digits) <= 64
        return value if value.is_finite() and bounded else _INVALID
    if isinstance(value, str) and re.match(_DECIMAL, value.strip()):
        try:
            return _to_decimal(Decimal(value.strip()))
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            return _INVALID
    return _INVALID


def _to_date(value: Any) -> Any:
    if isinstance(value, datetime):
        return _INVALID
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.match(_DATE, value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return _INVALID
    return _INVALID


def _to_datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        return value if value.utcoffset() is not None else _INVALID
    if isinstance(value, str) and 10 < len(value.strip()) <= 64:
        try:
            parsed = isoparse(value.strip())
        except (ValueError, OverflowError):
            return _INVALID
        return parsed if parsed.utcoffset() is not None else _INVALID
    return _INVALID


# --------------------------------------------------------------------------------------------
# The way out: application -> vendor
# --------------------------------------------------------------------------------------------


def _typed_fields(
    fields: Mapping[str, Any], mapping: TemplateMapping, problems: list[FieldProblem]
) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    for name, value in fields.items():
        kind = mapping.field_type(name)
        # "" is no value of any type: it clears the field, which reads back absent (the one
        # way to clear a single field, as None is refused), typed or not.
        if kind is None or _unset(value.value if isinstance(value, PassField) else value):
            typed[name] = value
            continue
        try:
            typed[name] = convert_write(value, kind)
        except ValueError as exc:
            problems.append(FieldProblem(f"fields.{name}", str(exc)))
    return typed


def attribute_value(content: Pass | PassUpdate, attribute: str) -> Any:
    if attribute == "external_id":
        # (An update has no external_id: a missing name costs pydantic's __getattr__ a raise.)
        return content.__dict__.get("external_id")
    holder = content.holder
    if holder is None:
        return None
    if attribute == "holder.name":
        return holder.display_name
    return getattr(holder, _HOLDER_PARTS[attribute])


def without_attributes(content: Pass | PassUpdate, attributes: set[str]) -> dict[str, Any]:
    """The model updates that remove ``attributes`` from ``content``."""
    update: dict[str, Any] = {}
    if "external_id" in attributes:
        update["external_id"] = None
    parts = {_HOLDER_PARTS[a] for a in attributes if a in _HOLDER_PARTS}
    if parts and content.holder is not None:
        if "name" in parts:
            parts |= {"first_name", "last_name"}
        kept = {
            key: value
            for key, value in content.holder.model_dump(exclude_none=True).items()
            if key not in parts
        }
        update["holder"] = Holder(**kept) if kept else None
    return update


def _move_attributes(
    content: Pass | PassUpdate,
    fields: dict[str, Any],
    mapping: TemplateMapping,
    field_held: frozenset[str],
    problems: list[FieldProblem],
) -> set[str]:
    """Put each mapped attribute's value in its field; the attributes the vendor cannot keep."""
    moved: set[str] = set()
    renamed = {mapping.vendor_key(name): name for name in fields}
    for attribute, key in mapping.attributes.items():
        value = attribute_value(content, attribute)
        if value is None:
            continue
        if key in renamed:
            origin = (
                "the template alias's attributes"
                if mapping.alias is not None and attribute in mapping.alias.attributes
                else "the provider's default for it, e.g. the holder_name_field setting"
            )
            problems.append(
                FieldProblem(
                    f"fields.{renamed[key]}",
                    f"template field {key!r} holds {attribute} ({origin}), and this pass sets "
                    f"both: give only {attribute}",
                )
            )
            continue
        fields[key] = value
        if attribute in field_held:
            moved.add(attribute)
    return moved


def _move_balance(
    content: Pass | PassUpdate,
    fields: dict[str, Any],
    mapping: TemplateMapping,
    problems: list[FieldProblem],
) -> dict[str, Any]:
    """Take the alias's balance field out of ``fields``: the model update that makes it the
    pass's balance (``{}`` when the content does not set it; ``balance: None`` clears it).

    Raises:
        UnsupportedFeature: the vendor has no balance (its declaration's note quoted).
    """
    spec = mapping.balance
    if spec is None or spec.name not in fields:
        return {}
    if mapping.no_balance is not None:
        raise UnsupportedFeature(
            f"template alias {mapping.logical!r} keeps fields.{spec.name} in the pass's balance "
            f"(balance_field), but this provider's passes have no balance ({mapping.no_balance})"
            f": map {spec.name!r} to a template field in the alias's fields instead",
            features=["balance"],
        )
    value = fields.pop(spec.name)
    where = f"fields.{spec.name}"
    if value is None:
        return {"balance": None}
    if content.balance is not None:
        problems.append(
            FieldProblem(
                where,
                f"is the pass's balance (the template alias's balance_field), and this pass "
                f"sets balance too: give only fields.{spec.name}",
            )
        )
        return {}
    if isinstance(value, PassField):
        problems.append(FieldProblem(where, "is the pass's balance: give a number, no label"))
        return {}
    try:
        amount = convert_write(value, spec.type)
    except ValueError as exc:
        problems.append(FieldProblem(where, str(exc)))
        return {}
    return {"balance": Balance(amount=Decimal(amount), currency=spec.currency)}


def _moves_any(content: Pass | PassUpdate, mapping: TemplateMapping) -> bool:
    """Whether ``content`` sets an attribute ``mapping`` keeps in a template field."""
    for attribute in mapping.attributes:  # noqa: SIM110  # (any() of a generator cost twice this)
        if attribute_value(content, attribute) is not None:
            return True
    return False


def _to_vendor_key(name: str, mapping: TemplateMapping) -> str:
    return name if name in mapping.attributes.values() else mapping.vendor_key(name)


def _check_one_value_per_key(
    fields: Mapping[str, Any], mapping: TemplateMapping, problems: list[FieldProblem]
) -> None:
    """A field named by the template key the alias gives another name (``seat`` renamed to
    ``gate``, and ``fields.gate`` set) is refused: it would read back as ``seat``, and beside
    ``seat`` one of the two values would be lost in the one template field."""
    renamed = {key: name for key, name in mapping.logical_names().items() if key != name}
    for name in fields:
        logical = renamed.get(name)
        if logical is not None and mapping.alias is not None and name not in mapping.alias.fields:
            problems.append(
                FieldProblem(
                    f"fields.{name}",
                    f"is template field {name!r}, which the template alias names "
                    f"fields.{logical}: write fields.{logical}",
                )
            )


def _check_kind(new_pass: Pass, mapping: TemplateMapping, problems: list[FieldProblem]) -> None:
    """A pass asking for a kind other than the one its template alias declares is refused.

    On every vendor the template decides the kind (a Pass2U model's style, a PassEntry or
    Livepasses template's type, LivePass's fixed types): the vendor would make the alias's kind
    whatever the pass asks, and the write's answer would then report a kind the next read
    contradicts. A pass that leaves ``kind`` out takes the alias's.
    """
    declared = mapping.alias.kind if mapping.alias is not None else None
    if declared is None or "kind" not in new_pass.model_fields_set or new_pass.kind is declared:
        return
    problems.append(
        FieldProblem(
            "kind",
            f"is {new_pass.kind.value}, but template alias {mapping.logical!r} is a "
            f"{declared.value} template (its kind), and the vendor's template decides the kind: "
            f"leave kind out, or use a template alias of kind {new_pass.kind.value}",
        )
    )


def pass_to_vendor(new_pass: Pass, mapping: TemplateMapping, field_held: frozenset[str]) -> Pass:
    """``new_pass`` in the vendor's terms: typed values, attributes in fields, vendor keys.

    ``field_held``: the attributes the provider can carry only in a template field; they are
    removed from the pass once moved (the others travel natively as well).

    Raises:
        ValidationError: a value that is not of its field's declared type, or a field set both
            directly and through the attribute it holds (every problem named, nothing sent).
    """
    if mapping.alias is None and not _moves_any(new_pass, mapping):
        # Nothing to map (a vendor template id, no attribute to move into a field): without an
        # alias no value is typed, renamed or moved, so the pass would come back as it is.
        return new_pass
    return _pass_to_vendor(new_pass, mapping, field_held)


def _pass_to_vendor(new_pass: Pass, mapping: TemplateMapping, field_held: frozenset[str]) -> Pass:
    """:func:`pass_to_vendor`, every step run."""
    problems: list[FieldProblem] = []
    fields = _typed_fields(new_pass.fields or {}, mapping, problems)
    balance = _move_balance(new_pass, fields, mapping, problems)
    moved = _move_attributes(new_pass, fields, mapping, field_held, problems)
    _check_one_value_per_key(fields, mapping, problems)
    _check_kind(new_pass, mapping, problems)
    if problems:
        raise ValidationError.from_problems(problems)
    update: dict[str, Any] = without_attributes(new_pass, moved)
    update.update(balance)
    if mapping.alias is not None:
        update["template"] = mapping.alias.id
        if mapping.alias.kind is not None:
            update["kind"] = mapping.alias.kind
    if fields or (new_pass.fields is not None and not balance):
        update["fields"] = {_to_vendor_key(name, mapping): value for name, value in fields.items()}
    elif balance:
        update["fields"] = None  # the balance was its only field
    if not update:
        return new_pass
    return replaced(new_pass, update)


def change_to_vendor(
    change: PassUpdate, mapping: TemplateMapping, field_held: frozenset[str]
) -> PassUpdate:
    """``change`` in the vendor's terms, like :func:`pass_to_vendor`.

    Raises:
        ValidationError: as :func:`pass_to_vendor`; also clearing an attribute the vendor keeps
            only in a template field (the field would keep the old value).
    """
    if (
        mapping.alias is None
        and not _moves_any(change, mapping)
        and not ("holder" in change.model_fields_set and change.holder is None)
    ):
        return change  # as in pass_to_vendor; a cleared holder may still be refused
    return _change_to_vendor(change, mapping, field_held)


def _change_to_vendor(
    change: PassUpdate, mapping: TemplateMapping, field_held: frozenset[str]
) -> PassUpdate:
    """:func:`change_to_vendor`, every step run."""
    problems: list[FieldProblem] = []
    set_fields = "fields" in change.model_fields_set and change.fields is not None
    fields = _typed_fields(change.fields or {}, mapping, problems)
    balance = _move_balance(change, fields, mapping, problems)
    set_fields = set_fields and bool(fields or not balance)
    moved = _move_attributes(change, fields, mapping, field_held, problems)
    _check_one_value_per_key(fields, mapping, problems)
    if "holder" in change.cleared() and any(
        a in field_held and a.startswith("holder.") for a in mapping.attributes
    ):
        problems.append(
            FieldProblem(
                "holder",
                "the holder is kept in a template field here and cannot be cleared; "
                "set the field to a new value instead",
            )
        )
    if problems:
        raise ValidationError.from_problems(problems)
    update: dict[str, Any] = without_attributes(change, moved)
    update.update(balance)
    if fields or set_fields:
        update["fields"] = {_to_vendor_key(name, mapping): value for name, value in fields.items()}
    if not update:
        return change
    # The balance as the only field it set: the update no longer changes fields.
    omitted = {"fields"} if balance and not (fields or set_fields) else set()
    if moved and update.get("holder", change.holder) is None and "holder" not in (change.cleared()):
        # The holder moved into a field entirely: "omitted", not "cleared".
        update.pop("holder", None)
        omitted.add("holder")
    return replaced(change, update, unset=omitted)


# --------------------------------------------------------------------------------------------
# The way back: vendor -> application
# --------------------------------------------------------------------------------------------


def issued_from_vendor(
    issued: IssuedPass, mapping: TemplateMapping, *, label: str | None = None
) -> IssuedPass:
    """``issued`` (as a provider parsed it, in the vendor's terms) in the application's terms.

    ``label`` names the provider in errors (the fake wearing a profile is
    ``fake(profile=<vendor>)``, not the ``fake`` its passes carry); ``issued.provider`` when
    ``None``.

    Returns a copy with the logical template name (``vendor_template`` keeps the vendor's id),
    fields under their logical names and of their declared types, and each attribute the alias
    keeps in a field restored from it (a natively carried value wins); ``issued`` itself where
    nothing changes. A copy is made for this call and shared with nothing (the core's
    presentation completes it in place).

    Raises:
        InvalidResponse: a value the vendor answered that is not of its declared type (the field
            and the vendor's text are named).
    """
    if mapping.alias is not None:
        return _issued_from_vendor(issued, mapping, label)
    if mapping.attributes:
        return _unaliased_from_vendor(issued, mapping.attributes, label or issued.provider)
    plain = plain_changes(issued)
    return issued.model_copy(update=plain) if plain else issued


def plain_changes(issued: IssuedPass) -> dict[str, Any]:
    """What :func:`issued_from_vendor` changes on ``issued`` where its mapping has nothing to
    map (no alias, no attribute kept in a field), as a model update: the vendor's template id
    kept in ``vendor_template``, and the fields without a value left out (see ``_unset``);
    ``{}`` where it changes nothing. Every other part stays the answer's."""
    plain: dict[str, Any] = {}
    if issued.vendor_template is None and issued.template is not None:
        plain["vendor_template"] = issued.template
    for value in issued.fields.values():  # (a loop: a generator cost more than the look)
        if value is None or (isinstance(value, str) and not value):  # (_unset, without a call)
            plain["fields"] = {k: v for k, v in issued.fields.items() if not _unset(v)}
            break
    return plain


def _unaliased_from_vendor(
    issued: IssuedPass, attributes: Mapping[str, str], who: str
) -> IssuedPass:
    """:func:`_issued_from_vendor` for a pass with no alias (a vendor template id) whose
    provider keeps attributes in fields: no name, type or balance to apply, so each field
    either holds an attribute or stays as answered (one look-up per field, where the full path
    asked each field its logical name, type, balance and shadowing: twice the presentation)."""
    # Each field's attribute, the last one wins as in the full path's homes (a comprehension:
    # dict(zip(...)) of the usual one attribute cost twice as much)
    homes = {key: attribute for attribute, key in attributes.items()}
    fields: dict[str, Any] = {}
    held: dict[str, Any] = {}
    for key, value in issued.fields.items():
        attribute = homes.get(key)
        if attribute is not None:
            if not _blank(value):
                held[attribute] = value
        elif not (value is None or (isinstance(value, str) and not value)):  # (_unset)
            fields[key] = value
    update: dict[str, Any] = {"fields": fields}
    if issued.vendor_template is None:
        update["vendor_template"] = issued.template
    if held:
        _restore(issued, held, who, update)
    return issued.model_copy(update=update)


def _issued_from_vendor(
    issued: IssuedPass, mapping: TemplateMapping, label: str | None
) -> IssuedPass:
    """:func:`issued_from_vendor` with an alias or attribute homes, every step run."""
    names = mapping.logical_names()
    homes = {key: attribute for attribute, key in mapping.attributes.items()}
    fields: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    problems: list[str] = []
    spec = mapping.balance
    # The vendor's balance keys say what the balance field says: not repeated as fields.
    repeated = set(mapping.balance_keys) - set(names) if spec is not None else set()
    # Logical names the alias gives to something else: a vendor key spelled like one of them
    # (points -> stamps, and the template also has a "points") must not take its place.
    claimed = {name for key, name in names.items() if key != name}
    if spec is not None:
        claimed.add(spec.name)
    shadowed: dict[str, Any] = {}
    for key, value in issued.fields.items():
        if key in repeated:
            continue
        if key in homes:
            # An empty field (the template's default, e.g. a Pass2U model field never set)
            # holds no attribute.
            if not _blank(value):
                attributes[homes[key]] = value
            continue
        if _unset(value):
            continue  # no value: absent, whoever answered it how (see _unset)
        if key in claimed and key not in names:
            shadowed[key] = value
            continue
        name = names.get(key, key)
        kind = mapping.field_type(name)
        if kind is None:
            fields[name] = value
            continue
        if kind is not FieldType.TEXT and _blank(value):
            # Blank text is no number or date: no value, rather than one that is not there.
            continue
        try:
            fields[name] = convert_read(value, kind)
        except ValueError as exc:
            problems.append(f"fields.{name}: {exc}")
    if spec is not None and issued.balance is not None:
        try:
            fields[spec.name] = convert_read(issued.balance.amount, spec.type)
        except ValueError as exc:
            problems.append(f"fields.{spec.name} (the balance): {exc}")
    who = label or issued.provider
    if problems:
        raise InvalidResponse(
            f"{who} answered values of the wrong type: " + "; ".join(problems), provider=who
        )
    update: dict[str, Any] = {"fields": fields}
    if shadowed:
        update["meta"] = {**issued.meta, SHADOWED_FIELDS: shadowed}
        warnings.warn(
            f"{who} answered template field(s) {', '.join(map(repr, sorted(shadowed)))} spelled "
            f"like field names the template alias {mapping.logical!r} gives to other values: "
            f"fields keeps the alias's; the vendor's are in meta[{SHADOWED_FIELDS!r}]. "
            "Name them in the alias's fields to read them under names of their own",
            ConfigurationWarning,
            stacklevel=2,
        )
    if mapping.logical is not None and mapping.alias is not None:
        update["template"] = mapping.logical
        update["vendor_template"] = issued.template or mapping.alias.id
        if issued.kind is None and mapping.alias.kind is not None:
            # The vendor's answer does not tell (e.g. a Pass2U store card is a loyalty card or a
            # gift card): the kind the alias declares for its template.
            update["kind"] = mapping.alias.kind
    elif issued.vendor_template is None:
        update["vendor_template"] = issued.template
    _restore(issued, attributes, who, update)
    return issued.model_copy(update=update)


def _unset(value: Any) -> bool:
    """A field with no value, read back as absent from ``fields`` on every provider.

    Vendors answer "no value" differently: a missing key (PassEntry, the fake), ``null``, or
    the template's empty default (a Pass2U model field the pass never set shows ``""`` in the
    ``.pkpass``, indistinguishable from one set to ``""``). One rule, so a create's answer, the
    next ``get`` and a vendor's profile report the same ``fields``: only values are in it.
    """
    return value is None or (isinstance(value, str) and not value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _restore(
    issued: IssuedPass, attributes: Mapping[str, Any], who: str, update: dict[str, Any]
) -> None:
    """Put in ``update`` the attributes ``attributes`` holds (each attribute's value from its
    field) that ``issued`` does not carry natively: ``external_id`` and the holder's parts (a
    natively carried value wins; a holder's name is not restored over its first or last
    name). Driven by the attributes held (most answers hold one, the holder's name), not by
    every attribute there is."""
    holder: dict[str, Any] | None = None  # (until a part of the holder is to be restored)
    answered: dict[str, Any] = {}
    for attribute, value in attributes.items():
        if value is None:
            continue
        part = _HOLDER_PARTS.get(attribute)
        if part is None:
            if attribute == "external_id" and issued.external_id is None:
                update["external_id"] = str(value)
            continue
        if holder is None:
            if issued.holder is not None:
                # The holder's set parts, as model_dump(exclude_none=True) gives them (each is
                # text or None), read once: a dump cost as much as the Holder made from it.
                for key, given in issued.holder.__dict__.items():
                    if given is not None:
                        answered[key] = given
            holder = answered.copy()
        if holder.get(part) is not None:
            continue
        if part == "name" and (holder.get("first_name") or holder.get("last_name")):
            continue
        holder[part] = str(value)
    if holder and (issued.holder is None or holder != answered):
        try:
            update["holder"] = names_holder(holder) or Holder(**holder)
        except ValidationError as exc:
            raise InvalidResponse(
                f"{who} answered a holder that is not valid: {exc}", provider=who
            ) from None
