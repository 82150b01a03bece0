"""Presentation: a vendor's answer in the application's terms (logical template, field names,
attributes), and the one meaning of a successful redemption."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from walletpass.capabilities import Capability, Support
from walletpass.contract import ProviderContract, SettingsT
from walletpass.errors import (
    InvalidResponse,
    ValidationError,
)
from walletpass.model import (
    IssuedPass,
    Pass,
    PassStatus,
    PassUpdate,
    fields_as_plain,
)
from walletpass.readback import BATCH, unknown_parts
from walletpass.roundtrip import (
    TemplateMapping,
    issued_from_vendor,
    plain_changes,
)
from walletpass.suggest import did_you_mean

if TYPE_CHECKING:
    from walletpass.results import Redemption

__all__ = ["Presentation", "neutral_redemption", "with_sent_fields"]

#: How many templates' mappings a provider keeps (each is a few small objects).
_MAPPINGS_KEPT = 256


def _warn_if_misspelt_alias(label: str, template: str, templates: Mapping[str, Any]) -> None:
    """A ``ConfigurationWarning`` where ``template``, which names no configured alias and goes to
    the vendor as its own template id, is spelt like an alias's logical name: a typo the vendor
    reports only as an unknown template, and the fake (which takes any template) not at all."""
    if any(alias.id == template for alias in templates.values()):
        return  # the vendor's id of a configured template, given as it is
    hint = did_you_mean(template, templates)
    if hint:
        from walletpass.config import _warn  # (the module that says configuration problems)

        _warn(
            f"{label}: template {template!r} is not a configured template alias ({hint}); "
            "it is sent to the vendor as the vendor's own template id",
            stacklevel=2,
        )


class Presentation(ProviderContract[SettingsT]):
    """Template mappings and :meth:`present`, shared by every provider."""

    def template_mapping(self, template: str | None) -> TemplateMapping:
        """The mapping for a pass created with ``template`` (a logical name or a vendor id).

        Computed once per template and kept while the facts it is made of stay the same objects
        (the settings, declarations and behaviour this provider holds: a fake's profile replaces
        them) and the template's alias is the one it was made with, with the same fields and
        attributes (``settings.templates`` and an alias's ``fields`` and ``attributes`` are
        dicts: an application may change them after ``connect()``, and every call after that
        follows the change, as before there was a kept mapping, whose reading facts are worked
        out once); at most 256 templates are kept.
        """
        settings, capabilities, behaviour = self.settings, self.capabilities, self.behaviour
        kept = self.__dict__.get("_template_mappings")
        if (
            kept is None
            or kept[0][0] is not settings
            or kept[0][1] is not capabilities
            or kept[0][2] is not behaviour
        ):
            kept = self.__dict__["_template_mappings"] = ((settings, capabilities, behaviour), {})
        mappings: dict[str | None, tuple[TemplateMapping, tuple[Any, ...] | None]] = kept[1]
        alias = settings.templates.get(template) if template else None
        found = mappings.get(template)
        # (Unchanged, the dicts compare item by item as the same objects: a few identity checks.)
        if (
            found is not None
            and found[0].alias is alias
            and (alias is None or (alias.fields, alias.attributes) == found[1])
        ):
            return found[0]
        if len(mappings) >= _MAPPINGS_KEPT:
            mappings.clear()  # any template id may be asked for: the memory stays bounded
        mapping = self._new_template_mapping(template)
        made_of = None if alias is None else (dict(alias.fields), dict(alias.attributes))
        mappings[template] = (mapping, made_of)
        return mapping

    def _new_template_mapping(self, template: str | None) -> TemplateMapping:
        templates = self.settings.templates
        alias = templates.get(template) if template else None
        if alias is None and template and templates:
            # (once per template and provider: the mapping made here is kept)
            _warn_if_misspelt_alias(self.label, template, templates)
        attributes = {
            **{k: v for k, v in self.default_attribute_fields().items() if v},
            **(alias.attributes if alias else {}),
        }
        balance = self.capabilities[Capability.BALANCE]
        return TemplateMapping(
            template if alias else None,
            alias,
            MappingProxyType(attributes),  # shared by every call with this template
            balance_keys=self.behaviour.balance_fields,
            no_balance=balance.note if balance.support is Support.NONE else None,
        )

    def mapping_for_vendor_template(self, vendor_template: str | None) -> TemplateMapping:
        """The mapping for a pass the vendor says belongs to ``vendor_template``.

        Settings allow one logical name per vendor template (``ProviderSettings.templates``),
        so the answer names one alias at most.
        """
        templates = self.settings.templates
        if vendor_template is not None and templates:
            for logical, alias in templates.items():
                if alias.id == vendor_template:
                    return self.template_mapping(logical)
        return self.template_mapping(None)

    def present(
        self, issued: IssuedPass, mapping: TemplateMapping | None = None, *, answer: str = "get"
    ) -> IssuedPass:
        """``issued`` in the application's terms (logical template, fields and attributes).

        ``answer``: which answer ``issued`` is (``"create"``, ``"update"``, ``"get"``,
        ``"list"``); ``unknown_parts`` names what that answer cannot show, decided from the
        provider's declarations (:func:`walletpass.readback.unknown_parts`).

        ``mapping`` is the one the call used, where known; otherwise it is found from the
        vendor template the pass reports. Raises ``InvalidResponse`` for a value that is not of
        its field's declared type, and for a pass id this provider would refuse when given it
        back (``decode_id``: a Pass2U id ``1919..``, a path segment ``..``): an answer the
        application could not use again is the vendor's fault, reported here, not later as a
        caller's ``ValidationError``. Raises ``TypeError`` (a provider's bug, which the public
        method reports as ``unexpected_error``) for an answer that is not an ``IssuedPass``.
        """
        if not isinstance(issued, IssuedPass):
            # A plugin's parse hook or plan returned something else (the vendor's dict, the
            # Pass it was given): said so, not as the AttributeError of its first use.
            raise TypeError(
                f"{self.name}'s {answer} gave {type(issued).__name__}, not an IssuedPass: "
                f"parse_{answer} (or plan_{answer}) must return one"
            )
        try:
            self.decode_id(issued.id)
        except ValidationError as exc:
            raise InvalidResponse(
                f"{self.label} answered a pass id walletpass cannot use again ({issued.id!r}): "
                f"{'; '.join(p.message for p in exc.problems) or exc}",
                provider=self.label,
            ) from None
        if mapping is None or (
            issued.template is not None
            and mapping.alias is not None
            and mapping.alias.id != issued.template
        ):
            mapping = self.mapping_for_vendor_template(issued.template)
        if mapping.alias is None and not mapping.attributes and answer != BATCH:
            # Nothing to map (most answers: a vendor template id, no attribute kept in a field):
            # the round trip changes neither the parts unknown_parts reads (the fields only
            # for a batch's item) nor any other, so they are asked of the answer and the pass
            # is copied once with its unknown parts, where the round trip's copy was completed.
            unknown = issued.unknown_parts | unknown_parts(issued, self.behaviour, answer)
            plain = plain_changes(issued)
            if unknown != issued.unknown_parts:
                plain["unknown_parts"] = unknown
            return issued.model_copy(update=plain) if plain else issued
        presented = issued_from_vendor(issued, mapping, label=self.label)
        unknown = issued.unknown_parts | unknown_parts(
            presented, self.behaviour, answer, balance_aliased=mapping.balance is not None
        )
        if unknown == presented.unknown_parts:
            return presented
        if presented is issued:
            return presented.model_copy(update={"unknown_parts": unknown})
        return _completed(presented, unknown)

    def _present_written(
        self,
        issued: IssuedPass,
        mapping: TemplateMapping | None,
        sent: Pass | PassUpdate | None = None,
    ) -> IssuedPass:
        """``present`` for the answer to a write: the change was made, so a value we cannot
        read back makes the outcome unknown rather than failed.

        ``sent``: the pass or change as sent (in the vendor's terms). The vendor accepted its
        fields with its 2xx, so the answer reports them, overlaid by what the vendor answered
        (the vendor's value wins): an answer that leaves a sent field out (Livepasses answers
        only its documented businessData names) does not make it look absent. A create's field
        set is then whole; an update's is whole only where the vendor's read returns fields
        (the read-back completed it), else ``unknown_parts`` says ``"fields"``.
        """
        issued = with_sent_fields(issued, sent)
        try:
            return self.present(
                issued, mapping, answer="update" if isinstance(sent, PassUpdate) else "create"
            )
        except InvalidResponse as exc:
            exc.outcome_unknown = True
            raise


def _completed(presented: IssuedPass, unknown: frozenset[str]) -> IssuedPass:
    """``presented`` with its ``unknown_parts`` set, as ``model_copy(update=...)`` would make it,
    set on ``presented`` itself: the copy :func:`issued_from_vendor` made for this call, which
    no one else holds yet (a second copy of the whole pass cost as much as the rest of
    :meth:`Presentation.present` after the round trip; every answer of most vendors needed
    one)."""
    presented.__dict__["unknown_parts"] = unknown
    presented.__pydantic_fields_set__.add("unknown_parts")
    return presented


def with_sent_fields(issued: IssuedPass, sent: Pass | PassUpdate | None) -> IssuedPass:
    """``issued`` with the fields ``sent`` set that its answer left out (a write's answer:
    the vendor accepted them with its 2xx; a create, an update, an item of ``create_many``)."""
    if sent is None or not sent.fields:
        return issued
    answered = issued.fields
    if sent.fields.keys() <= answered.keys():  # (the common case: the answer has them all)
        return issued
    missing = {k: v for k, v in fields_as_plain(sent.fields).items() if k not in answered}
    return issued.model_copy(update={"fields": {**answered, **missing}})


def neutral_redemption(result: Redemption, amount: Decimal | None) -> Redemption:
    """The one meaning of a successful redemption (see ``Provider.redeem``).

    ``remaining`` is the balance left after a spend: without an amount it is ``None`` on every
    provider; a number a provider reported there anyway (a count of uses) is kept in
    ``meta["vendor_count"]`` (docs/concepts.md, "One meaning per operation and status").
    Raises ``TypeError`` (a provider's bug) for a result that is not a ``Redemption``.
    """
    from walletpass.results import Redemption  # (loaded by the time a redeem answers)

    if not isinstance(result, Redemption):
        raise TypeError(  # (as present() says of an IssuedPass)
            f"redeem gave {type(result).__name__}, not a Redemption: parse_redeem (or "
            "plan_redeem) must return one"
        )
    if amount is None and result.remaining is not None:
        counted = {**result.meta}
        counted.setdefault("vendor_count", result.remaining)
        result = result.model_copy(update={"remaining": None, "meta": counted})
    status: PassStatus
    if amount is None:
        # Used up, whichever way the vendor did it (PassEntry and Pass2U void the pass); a
        # multi-use pass the vendor keeps active (a membership check-in) stays active.
        status = (
            PassStatus.REDEEMED
            if result.status in (PassStatus.VOIDED, PassStatus.UNKNOWN, PassStatus.REDEEMED)
            else result.status
        )
    elif result.status in (PassStatus.UNKNOWN, PassStatus.ISSUED, PassStatus.INSTALLED):
        status = PassStatus.ACTIVE
    else:
        status = result.status
    if status is result.status:
        return result
    meta = dict(result.meta)
    if result.status is not PassStatus.UNKNOWN:
        meta.setdefault("vendor_status", result.status.value)
    return result.model_copy(update={"status": status, "meta": meta})
