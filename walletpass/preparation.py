"""Preparation: every check a call runs before anything is sent.

In order: the capability, neutral validation, the template mapping, template facts, ``extra``
keys, fields in use vs declarations (strict: ``UnsupportedFeature`` naming every field; lenient:
one ``UnsupportedFeatureWarning`` per field, and the field is dropped), then vendor limits.
"""

from __future__ import annotations

import builtins
import inspect
import warnings
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar, cast

from walletpass.capabilities import Capability, Support
from walletpass.change_message import (
    as_apple_format,
    placeholder_value,
    require_one_value,
    substitute_placeholder,
)
from walletpass.contract import ListFilters, ProviderContract, SettingsT, quiet_checks
from walletpass.copies import replaced
from walletpass.errors import (
    FieldProblem,
    UnsupportedFeature,
    UnsupportedFeatureWarning,
    ValidationError,
    WalletPassError,
)
from walletpass.extra_keys import undocumented_extra_keys, unknown_key_problem
from walletpass.features import (
    NEVER_LENIENT,
    barcode_fallback,
    features_in_use,
    strip_features,
)
from walletpass.messages import quantity
from walletpass.model import (
    BarcodeFormat,
    NeutralModel,
    Pass,
    PassKind,
    PassStatus,
    PassUpdate,
)
from walletpass.plans import Plan
from walletpass.presentation import Presentation
from walletpass.roundtrip import (
    TemplateMapping,
    attribute_value,
    change_to_vendor,
    pass_to_vendor,
    without_attributes,
)
from walletpass.template_facts import apply_template_facts
from walletpass.values import check_wire_value, number_problem, text_problem, wire_problems

if TYPE_CHECKING:
    from walletpass.driver import Driver
    from walletpass.transport import VendorRequest

__all__ = ["Preparation", "builds_in_one_request"]

M = TypeVar("M", bound=NeutralModel)
_C = TypeVar("_C", Pass, PassUpdate)
_R = TypeVar("_R")

#: The longest pass id taken (an id is 1 to 512 printable ASCII characters, without spaces).
_ID_MOST = 512

#: Bound once: an enum member read through its class runs enum's Python descriptor code on
#: CPython 3.11 (about a thousand instructions), on every create and update.
_CREATE = Capability.CREATE
#: The contract's own ``vendor_rules`` property (which answers the provider itself).
_OWN_RULES = ProviderContract.vendor_rules
_UPDATE = Capability.UPDATE
_NONE = Support.NONE


class Preparation(Presentation[SettingsT]):
    """The checks of ``create``/``update``/``get``/``redeem``/``list`` arguments."""

    if TYPE_CHECKING:

        def _template_from_vendor(self, pass_id: str) -> str | None: ...

        def run(self, plan: Plan[_R]) -> _R: ...

    def prepare_create(self, new_pass: Pass | Mapping[str, Any]) -> Pass:
        """Every check of ``create`` short of sending: the pass the build hook will see.

        The same checks ``create`` runs, the vendor's build and :meth:`check` included, so a
        pass this accepts is one ``create`` sends. Raises what ``create`` raises before sending.
        """
        return self._prepare_create(new_pass)[0]

    def prepare_create_request(
        self, new_pass: Pass | Mapping[str, Any]
    ) -> tuple[Pass, VendorRequest | None]:
        """:meth:`prepare_create` and the request it built, to send with
        ``send_prepared("create", pass, request=request)`` without building it again (a bulk
        run checks each pass when it reads it and sends it later).

        :param new_pass: the pass, or a mapping with the same keys.
        :returns: the checked pass and its request (``None`` where this provider sends none:
            the fake).
        :raises ValidationError: as :meth:`prepare_create`.
        :raises UnsupportedFeature: as :meth:`prepare_create`.
        """
        checked, _, request = self._prepare_create(new_pass)
        return checked, request

    def _prepare_create(
        self, new_pass: Pass | Mapping[str, Any]
    ) -> tuple[Pass, TemplateMapping, VendorRequest | None]:
        """The checked pass, its mapping and the request built from it (``None`` when this
        provider does not send it: the fake)."""
        self.require(_CREATE)
        checked = self._coerce(new_pass, Pass, "pass")
        mapping = self.template_mapping(checked.template)
        checked = self._to_vendor(checked, mapping, "create")
        if checked.barcode is not None:  # (the one part a template fixes)
            checked = apply_template_facts(
                checked,
                mapping.alias,
                template=checked.template,
                fixed=self.template_fixed,
                provider=self.label,
            )
        if checked.extra:  # (no extra: no key to check)
            checked = self._check_extra_keys(checked, "create")
        used = features_in_use(checked)
        kept = self._check_features(checked, used, "create")
        if kept is not checked:
            used = features_in_use(kept)  # without what lenient mode dropped
        checked = kept
        return checked, mapping, self._vet(used, checked, "create")

    def prepare_update(
        self, pass_id: str, change: PassUpdate | Mapping[str, Any]
    ) -> tuple[str, PassUpdate]:
        """Every check of ``update`` short of sending: the id and the change the hook will see.

        Where the template must be read from the vendor (an alias renames fields and the id
        does not name its template), that read is the one request this may send, and only
        after the change passed every check under at least one template it could belong to.
        """
        return self.run(self.plan_prepare_update(pass_id, change))

    def plan_prepare_update(
        self, pass_id: str, change: PassUpdate | Mapping[str, Any]
    ) -> Plan[tuple[str, PassUpdate]]:
        """:meth:`prepare_update` as a plan, for a plan that checks a change before sending
        anything (its one possible step, the template read, is driven by the caller's driver).

        :param pass_id: the ``IssuedPass.id`` a create returned.
        :param change: a ``PassUpdate``, or a mapping with the same keys.
        :returns: a plan whose result is the checked id and the change the hook will see.
        :raises ValidationError: a malformed id or change; nothing sent.
        :raises UnsupportedFeature: the change uses a field declared NONE; nothing sent.
        """
        checked_id, checked, _, _ = yield from self._prepare_update_plan(pass_id, change)
        return checked_id, checked

    def _prepare_update(
        self, pass_id: str, change: PassUpdate | Mapping[str, Any]
    ) -> tuple[str, PassUpdate, TemplateMapping | None, VendorRequest | None]:
        checked_id, checked, candidates = self._update_candidates(pass_id, change)
        if len(candidates) == 1:
            # (the common case, with no step: checked here, without driving a plan)
            return self._vetted_update(checked_id, checked, candidates[0])
        return self.run(self._plan_read_and_vet(checked_id, checked, candidates))

    def _prepare_update_plan(
        self, pass_id: str, change: PassUpdate | Mapping[str, Any]
    ) -> Plan[tuple[str, PassUpdate, TemplateMapping | None, VendorRequest | None]]:
        """Every check of ``update`` as a plan (the sync and the async API drive it): the id, the
        change, its template mapping and its built request. Its only step is the read of the
        pass's template, where an alias renames fields and the id does not name its template,
        and only after the change passed every check under a template it could belong to
        (:meth:`_prepare_update` runs the same checks, driving a plan only for that read)."""
        checked_id, checked, candidates = self._update_candidates(pass_id, change)
        if len(candidates) == 1:
            return self._vetted_update(checked_id, checked, candidates[0])
        return (yield from self._plan_read_and_vet(checked_id, checked, candidates))

    def _update_candidates(
        self, pass_id: str, change: PassUpdate | Mapping[str, Any]
    ) -> tuple[str, PassUpdate, builtins.list[TemplateMapping | None]]:
        """The checked id and change, and every template mapping the change could go through
        (one, unless only the vendor can tell the pass's template)."""
        self.require(_UPDATE)
        checked_id = self._check_id(pass_id)
        checked = self._coerce(change, PassUpdate, "change")
        if checked.is_empty():
            raise ValidationError.from_problems(
                [FieldProblem("change", "the update changes nothing")], provider=self.label
            )
        return checked_id, checked, self._update_mappings(checked_id, checked)

    def _vetted_update(
        self, pass_id: str, change: PassUpdate, mapping: TemplateMapping | None
    ) -> tuple[str, PassUpdate, TemplateMapping | None, VendorRequest | None]:
        vetted, request = self._vet_update(pass_id, change, mapping)
        return pass_id, vetted, mapping, request

    def _plan_read_and_vet(
        self,
        checked_id: str,
        checked: PassUpdate,
        candidates: builtins.list[TemplateMapping | None],
    ) -> Plan[tuple[str, PassUpdate, TemplateMapping | None, VendorRequest | None]]:
        """The checks of an update whose template only the vendor can tell: under each of
        ``candidates`` first, then the read of the pass's template, then under its mapping."""
        # The pass's template decides the renames and only the vendor knows it: first every
        # check under each template the pass could belong to, without a word, so a change no
        # template accepts is refused before any request is sent. Each check under a template
        # builds that template's body (its rules are over the built body), so a provider whose
        # body needs the read anyway (update_builds_after_read) is checked without one here and
        # builds once, after the read.
        passed: dict[str | None, tuple[PassUpdate, VendorRequest | None]] = {}
        refusals: builtins.list[WalletPassError] = []
        # Templates whose aliases leave this change alike (most rename other fields) share
        # one body: it is built once for all of them.
        bodies: builtins.list[tuple[PassUpdate, VendorRequest]] = []
        with quiet_checks():
            for candidate in candidates:
                try:
                    passed[_logical(candidate)] = self._vet_update(
                        checked_id, checked, candidate, bodies
                    )
                except (ValidationError, UnsupportedFeature) as exc:
                    refusals.append(exc)
        if not passed:
            raise refusals[0]
        self._require_template_read()
        if self._reads_by_itself():
            template = self._template_from_vendor(checked_id)  # a version 1 plugin's own read
        else:
            template = yield from self._driver().plan_template_from_vendor(checked_id)
        mapping = self.mapping_for_vendor_template(template)
        known = passed.get(_logical(mapping))
        if known is not None and self.strict:
            # Strict mode warns of nothing: the quiet run's change and request are the real ones
            # (no request where the build waits for the provider's read: plan_update builds it).
            vetted, request = known
        else:
            vetted, request = self._vet_update(checked_id, checked, mapping)
        return checked_id, vetted, mapping, request

    def _reads_by_itself(self) -> bool:
        """Whether this provider overrides the sync-only ``execute_get`` (version 1 of the
        contract), so its reads are not plans."""
        from walletpass.driver import Driver

        return type(self._driver()).execute_get is not Driver.execute_get

    def _vendor_rules(self) -> ProviderContract[Any] | None:
        """:attr:`vendor_rules`, read without calling the contract's own property (a call from C
        on each of a call's checks) where the class keeps it: that one answers this provider."""
        if type(self).vendor_rules is _OWN_RULES:
            return self
        return self.vendor_rules

    def _driver(self) -> Driver[Any]:
        """This provider as the driver it also is (``Provider`` is both)."""
        return cast("Driver[Any]", self)

    def _vet_update(
        self,
        pass_id: str,
        change: PassUpdate,
        mapping: TemplateMapping | None,
        bodies: builtins.list[tuple[PassUpdate, VendorRequest]] | None = None,
    ) -> tuple[PassUpdate, VendorRequest | None]:
        """Every check of an update under ``mapping``; the change and its one built request
        (taken from ``bodies`` where an equal change was built already, and kept there)."""
        # What the message is about is decided from the update as the application wrote it,
        # before an alias renames or moves anything, so every provider shows the same text.
        # (no message, the common case: nothing to decide nor to render, no call)
        told = None if change.message is None else self._message_value(change)
        if mapping is not None:
            change = self._to_vendor(change, mapping, "update")
        if change.barcode is not None:  # (the one part a template fixes: no template_of else)
            change = apply_template_facts(
                change,
                mapping.alias if mapping is not None else None,
                template=self.template_of(pass_id),
                fixed=self.template_fixed,
                provider=self.label,
            )
        if change.message is not None:
            change = self._with_change_message(change, told)
        if change.extra:  # (no extra: no key to check)
            change = self._check_extra_keys(change, "update")
        used = features_in_use(change)
        kept = self._check_features(change, used, "update", pass_id)
        if kept is not change:
            used = features_in_use(kept)  # without what lenient mode dropped
        change = kept
        rules = self._vendor_rules()
        # A vendor vetting for the fake's profile gets an id of its own shape.
        vendor_id = (
            pass_id if rules is self or rules is None else self._vendor_sample_id(rules, pass_id)
        )
        # (one candidate, the common case: the build hook called by _vet itself, no closure)
        build = None if bodies is None else _shared_build(bodies, change, vendor_id)
        # A build that needs a read first (the provider's own, in plan_update) is left to
        # plan_update: the change's rules run here without a body, the body's after that read.
        later = rules is self and self.update_builds_after_read(pass_id, change)
        return change, self._vet(used, change, "update", build, vendor_id, built_later=later)

    def checked_update_request(self, pass_id: str, change: PassUpdate) -> VendorRequest:
        """The update's one body: :meth:`build_update`, then :meth:`check` of the built body.

        What ``plan_update`` calls where the core handed it no request (the build waited for a
        read: :meth:`update_builds_after_read`), so every body sent has passed the vendor's
        rules, before the write is sent.

        :param pass_id: the checked id.
        :param change: the checked change, in the vendor's terms.
        :returns: the request to send.
        :raises ValidationError: what the build cannot express and what :meth:`check` finds in
            the built body, together, each at its neutral field; nothing is written.
        """
        problems: builtins.list[FieldProblem] = []
        request = None
        try:
            request = self.build_update(pass_id, change)
        except ValidationError as exc:
            problems.extend(exc.problems)
        else:
            problems.extend(vendor_check(self, request, change, pass_id))
        if problems or request is None:
            raise ValidationError.from_problems(problems, provider=self.label, operation="update")
        return request

    def _vet(
        self,
        used: Mapping[Capability, int],
        subject: Pass | PassUpdate,
        operation: str,
        build: Callable[[ProviderContract[Any]], VendorRequest] | None = None,
        pass_id: str | None = None,
        *,
        built_later: bool = False,
    ) -> VendorRequest | None:
        """The declared counts, then the one build (``build(rules)``; ``None``: the operation's
        build hook, ``rules.build_create(subject)`` or ``rules.build_update(pass_id, subject)``)
        and the vendor's :meth:`check` of what it built; every problem raised together as one
        ``ValidationError``.

        Returns the request to send, or ``None`` where the rules are another provider's (the
        fake's profile: it vets with its vendor's provider and sends nothing) or the build waits
        for a read (``built_later``: :meth:`checked_update_request` builds and checks it then).
        """
        problems = self._count_problems(used)
        rules = self._vendor_rules()
        request = None
        if rules is not None:
            try:
                # An operation the provider writes as several requests (read, then merge and
                # write) has no one-request build hook: its rules see the subject alone.
                if builds_in_one_request(rules, operation) and not built_later:
                    if build is not None:
                        request = build(rules)
                    elif operation == "create":
                        request = rules.build_create(subject)  # type: ignore[arg-type]  # a Pass
                    else:
                        request = rules.build_update(pass_id, subject)  # type: ignore[arg-type]  # an update's
            except ValidationError as exc:  # what the vendor cannot express at all
                problems.extend(exc.problems)
            else:
                problems.extend(vendor_check(rules, request, subject, pass_id))
        if problems:
            raise ValidationError.from_problems(problems, provider=self.label, operation=operation)
        return request if rules is self else None

    def _coerce(self, value: Any, model: type[M], what: str) -> M:
        if isinstance(value, model):
            return value
        if isinstance(value, Mapping):
            return model.model_validate(dict(value))
        raise ValidationError.from_problems(
            [
                FieldProblem(
                    what, f"expected a {model.__name__} or a mapping, got {type(value).__name__}"
                )
            ]
        )

    def check_pass_id(self, pass_id: Any) -> str:
        """``pass_id`` if it can be one of this provider's pass ids (for the arguments of
        vendor operations, which the core does not check): printable, without spaces, at most
        512 characters, and accepted by ``decode_id``.

        :raises ValidationError: (``pass_id``) a malformed id; nothing is sent.
        """
        return self._check_id(pass_id)

    def _check_id(self, pass_id: Any) -> str:
        """``pass_id`` as the text it holds, checked (``ValidationError`` otherwise)."""
        if type(pass_id) is not str and isinstance(pass_id, str):
            # The text itself: what an application's str subclass says of itself (its str(),
            # its string methods) is not the id, neither to this check nor in a request.
            pass_id = str.__str__(pass_id)
        if type(pass_id) is not str or not _id_text(pass_id):
            raise ValidationError.from_problems(
                [FieldProblem("pass_id", "must be a non-empty printable id without spaces")]
            )
        self.decode_id(pass_id)
        return pass_id

    @staticmethod
    def _check_amount(amount: Any) -> Decimal | None:
        if amount is None:
            return None
        if isinstance(amount, bool) or not isinstance(amount, Decimal | int | float | str):
            raise ValidationError.from_problems([FieldProblem("amount", "must be a number")])
        if type(amount) not in _AMOUNT_TYPES:
            # The number (or text) itself, read below from its text: not what a subclass prints.
            for base, exact in _AMOUNT_TYPES.items():
                if isinstance(amount, base):
                    amount = exact(amount)
                    break
        try:
            value = Decimal(str(amount))
        except (InvalidOperation, ValueError):
            raise ValidationError.from_problems(
                [FieldProblem("amount", "must be a number")]
            ) from None
        # The size first: comparing or converting a decimal like 1e999999999 can take minutes.
        too_big = number_problem(amount if isinstance(amount, int) else value)
        if too_big is not None:
            raise ValidationError.from_problems([FieldProblem("amount", too_big)])
        if value <= 0:
            raise ValidationError.from_problems(
                [FieldProblem("amount", "must be a positive number")]
            )
        return value

    def _prepare_redeem(
        self, pass_id: Any, amount: Any, options: Any
    ) -> tuple[str, Decimal | None, dict[str, Any]]:
        """Every check of ``redeem``: the id, the amount (``None``, or positive, and only where
        passes have a balance) and the options (a mapping of wire values)."""
        self.require(Capability.REDEEM)
        checked = self._check_id(pass_id)
        value = self._check_amount(amount)
        if value is not None and self.capabilities[Capability.BALANCE].support is Support.NONE:
            raise UnsupportedFeature(
                f"{self.label} passes have no balance to deduct an amount from "
                f"({self.capabilities[Capability.BALANCE].note}); redeem(pass_id) without "
                "amount uses the pass up",
                features=[Capability.BALANCE.value],
                provider=self.label,
                operation="redeem",
            )
        if options is not None and not isinstance(options, Mapping):
            raise ValidationError.from_problems([FieldProblem("options", "must be a mapping")])
        check_wire_value(options, "options")
        return checked, value, dict(options or {})

    def _list_filters(self, template: Any, status: Any, page_size: Any, extra: Any) -> ListFilters:
        problems = []
        if type(template) is not str and isinstance(template, str):
            template = str.__str__(template)  # (the text itself: see _check_id)
        if page_size is not None and type(page_size) is not int and isinstance(page_size, int):
            # (the number itself, an int subclass's own str() aside; a bool is refused below)
            page_size = page_size if isinstance(page_size, bool) else int.__int__(page_size)
        if template is not None and (
            not isinstance(template, str) or not template or text_problem(template) is not None
        ):
            problems.append(FieldProblem("template", "must be a non-empty string"))
        if status is not None:
            try:
                status = PassStatus(status)
            except ValueError:
                problems.append(
                    FieldProblem(
                        "status", f"must be one of {', '.join(s.value for s in PassStatus)}"
                    )
                )
        if page_size is not None and (
            isinstance(page_size, bool)
            or not isinstance(page_size, int)
            or not 1 <= page_size <= 1000
        ):
            problems.append(FieldProblem("page_size", "must be an integer from 1 to 1000"))
        if extra is not None and not isinstance(extra, Mapping):
            problems.append(FieldProblem("extra", "must be a mapping"))
        elif extra is not None:
            problems.extend(wire_problems(extra, "extra"))
        if problems:
            raise ValidationError.from_problems(problems)
        alias = self.settings.templates.get(template) if template else None
        documented = self._documented_extra(extra, "list")
        return ListFilters(
            template=alias.id if alias else template,
            status=status,
            page_size=page_size,
            extra=dict(extra or {}) if documented is None else documented,
        )

    def _to_vendor(self, content: _C, mapping: TemplateMapping, operation: str) -> _C:
        """Apply the template mapping, refusing attributes the vendor has nowhere to keep."""
        # The common case, told without a call per attribute: without an alias nothing is typed
        # or renamed, and no attribute the vendor keeps in a field (an attribute is the external
        # id or a holder part) is set, so nothing is moved or refused; a change clearing the
        # holder may still be refused.
        if mapping.alias is None and (
            type(content) is Pass or "holder" not in content.__pydantic_fields_set__
        ):
            values = content.__dict__
            held, homes = self.field_held_attributes, mapping.attributes
            if (
                values["holder"] is None
                # (no attribute but the external id is kept in a field)
                or (len(held) <= ("external_id" in held) and len(homes) <= ("external_id" in homes))
            ) and (
                values.get("external_id") is None
                or ("external_id" not in held and "external_id" not in homes)
            ):
                return content
        return self._mapped_to_vendor(content, mapping, operation)

    def _mapped_to_vendor(self, content: _C, mapping: TemplateMapping, operation: str) -> _C:
        """:meth:`_to_vendor`, every step run."""
        # (a list made, then sorted: sorted() of a generator resumes it from C per item)
        homeless = [
            a
            for a in self.field_held_attributes
            if a not in mapping.attributes and attribute_value(content, a) is not None
        ]
        homeless.sort()
        if homeless:
            where = (
                f"template alias {mapping.logical!r}"
                if mapping.logical
                else "a template alias for this template"
            )
            described = ", ".join(homeless)
            if self.strict:
                raise UnsupportedFeature(
                    f"{self.label} can keep {described} only in a template field: name the field "
                    f'in {where}, e.g. attributes = {{ {homeless[0]!r} = "<field key>" }}',
                    features=homeless,
                    provider=self.label,
                    operation=operation,
                )
            for attribute in homeless:
                self._warn_once(Capability(attribute))
            content = content.model_copy(update=without_attributes(content, set(homeless)))
        if isinstance(content, Pass):
            return pass_to_vendor(content, mapping, self.field_held_attributes)
        return change_to_vendor(content, mapping, self.field_held_attributes)

    def _update_mappings(
        self, pass_id: str, change: PassUpdate
    ) -> builtins.list[TemplateMapping | None]:
        """The template mapping an update goes through (``None``: nothing would change it), or,
        where only the vendor can tell the pass's template, every mapping it could be.

        Checked before the vendor is asked: a provider that cannot read a pass back refuses
        alias field names it could not translate (``ValidationError``).
        """
        if change.fields is None and change.holder is None:
            return [None]  # (nothing an alias or an attribute's home would rename or move)
        templates = self.settings.templates
        relevant = (
            [a for a in templates.values() if a.fields or a.attributes or a.balance_field]
            if templates
            else []  # (no alias at all: no comprehension made)
        )
        if not relevant:
            # No alias: the provider's kept mapping of no template holds just its default
            # attribute homes (those it names a field for), made from the same settings.
            unaliased = self.template_mapping(None)
            return [unaliased] if unaliased.attributes else [None]
        template = self.template_of(pass_id)
        if template is not None:
            return [self.mapping_for_vendor_template(template)]
        # The id does not say which template the pass uses, and an alias would rename these
        # fields: the vendor will be asked rather than the neutral names sent unrenamed.
        self._require_template_read()
        candidates: dict[str | None, TemplateMapping | None] = {}
        for alias in relevant:
            mapping = self.mapping_for_vendor_template(alias.id)
            candidates.setdefault(mapping.logical, mapping)
        candidates.setdefault(None, self.template_mapping(None))
        return list(candidates.values())

    def _message_value(self, change: PassUpdate) -> str | None:
        """What ``%@`` stands for in ``change`` (the application's update), or ``None``; for a
        vendor that shows the message beside one field, also that there is exactly one."""
        told = placeholder_value(change, provider=self.label)
        if not self.free_text_messages:
            require_one_value(change, provider=self.label)
        return told

    def _with_change_message(self, change: PassUpdate, value: str | None) -> PassUpdate:
        """``message`` read once by Apple's format rules (:mod:`walletpass.change_message`):
        rendered as the holder reads it, ``%@`` as ``value``, for vendors that send it as free
        text; written as an Apple format string for the others (whose wallets fill ``%@`` with
        the one field's new value, the same value: :meth:`_message_value` made it the only
        one)."""
        if not self.free_text_messages:
            return as_apple_format(change, provider=self.label)
        return substitute_placeholder(change, provider=self.label, value=value)

    def _require_template_read(self) -> None:
        if self.capabilities[Capability.GET].support is Support.NONE:
            raise ValidationError.from_problems(
                [
                    FieldProblem(
                        "fields",
                        f"{self.label} pass ids do not name their template and {self.label} "
                        "cannot read a pass back, so template-alias field names cannot be "
                        "translated here: use the vendor's field names in this update",
                    )
                ]
            )

    def _check_features(
        self,
        content: _C,
        used: Mapping[Capability, int],
        operation: str,
        pass_id: str | None = None,
    ) -> _C:
        available = self.capabilities.available_keys()
        unsupported = (
            []
            if used.keys() <= available  # the common case: every feature in use is declared
            else sorted((cap for cap in used if cap not in available), key=lambda c: c.value)
        )
        here = self._unsupported_here(content, used, pass_id)
        if not unsupported and not here:
            return content
        why = {c: self.capabilities[c].note for c in unsupported} | here
        refused = sorted(
            (c for c in why if self.strict or c in NEVER_LENIENT), key=lambda c: c.value
        )
        if refused:
            described = "; ".join(f"{c.value} ({why[c]})" for c in refused)
            raise UnsupportedFeature(
                f"{self.label} cannot carry: {described}",
                features=[c.value for c in refused],
                provider=self.label,
                operation=operation,
            )
        for cap in sorted(here, key=lambda c: c.value):
            self._warn_once(cap, f"{cap.value!r} on this pass; it was dropped", here[cap])
        content = strip_features(content, set(here))
        if not unsupported:
            return content
        fallback = None
        if content.barcode is not None and Capability(
            f"barcode.{content.barcode.symbology.value}"
        ) in set(unsupported):
            fallback = barcode_fallback(content.barcode, self.capabilities.supports)
        for cap in unsupported:
            self._warn_once(cap, _dropped_part(cap, content, fallback))
        return strip_features(content, set(unsupported), barcode_format=fallback)

    def _unsupported_here(
        self, content: Pass | PassUpdate, used: Mapping[Capability, int], pass_id: str | None
    ) -> dict[Capability, str]:
        """The vendor's :meth:`~walletpass.contract.ProviderContract.unsupported_here` for the
        features ``content`` uses that are declared supported in general."""
        rules = self._vendor_rules()
        if rules is None or (
            type(rules).unsupported_here is ProviderContract.unsupported_here
            and "unsupported_here" not in vars(rules)
        ):
            return {}  # the contract's own hook answers nothing: not asked
        if pass_id is not None and rules is not self:
            # The fake's profile asks its vendor with an id of that vendor's shape.
            pass_id = self._vendor_sample_id(rules, pass_id)
        here = rules.unsupported_here(content, pass_id)
        if not here:
            return {}  # (the common answer: no comprehension made)
        return {
            cap: why
            for cap, why in here.items()
            if cap in used and self.capabilities[cap].support is not _NONE
        }

    def _vendor_sample_id(self, rules: ProviderContract[Any], pass_id: str) -> str:
        """An id of ``rules``' vendor's shape for this pass: its template and the kind known
        without a request (the fake's profile: the stored pass's), so the vendor's rules build
        and check the body its provider would after its own read of the pass."""
        return rules.sample_pass_id_of_kind(self.template_of(pass_id), self._known_kind(pass_id))

    def _known_kind(self, pass_id: str) -> PassKind | None:
        """The pass's kind where known without a request (the fake's store); default ``None``."""
        return None

    def _documented_extra(
        self, extra: Mapping[str, Any] | None, operation: str
    ) -> dict[str, Any] | None:
        """The one ``extra`` rule, for request keys and list filters alike: undocumented keys
        are typos (strict: refused; lenient: the key alone is dropped, with a warning naming
        it). Returns the documented keys, or ``None`` when nothing was dropped."""
        if not extra:
            return None  # nothing to drop (the common case)
        documented = (self.extra_keys or {}).get(operation)
        unknown = undocumented_extra_keys(extra, documented or ())
        if documented is None or not unknown:
            return None
        if self.strict:
            raise ValidationError.from_problems(
                [unknown_key_problem(key, documented) for key in unknown],
                provider=self.label,
                operation=operation,
            )
        for key in () if quiet_checks.active() else unknown:
            warnings.warn(
                f"{self.label} documents no {_EXTRA_WORD.get(operation, 'request key')} {key!r}: "
                f"extra.{key} was dropped (lenient mode)",
                UnsupportedFeatureWarning,
                stacklevel=4 if operation == "list" else 6,
            )
        return {k: v for k, v in (extra or {}).items() if k not in unknown}

    def _check_extra_keys(self, content: _C, operation: str) -> _C:
        """:meth:`_documented_extra` over ``content.extra``."""
        kept = self._documented_extra(content.extra, operation)
        if kept is None:
            return content
        if isinstance(content, PassUpdate) and not kept:
            return replaced(content, {}, unset=["extra"])  # the change no longer sets extra
        return replaced(content, {"extra": kept or None})

    def _count_problems(self, used: Mapping[Capability, int]) -> builtins.list[FieldProblem]:
        """The declared count limits (locations, beacons...) ``used`` goes over."""
        problems: builtins.list[FieldProblem] = []
        for key, most in self.capabilities.available_limits():
            if used.get(key, 0) > most:
                break
        else:
            return problems  # the common case, without a lookup per feature in use
        for cap, count in used.items():
            declaration = self.capabilities[cap]
            if declaration.support is Support.NONE:  # refused or dropped by _check_features
                continue
            limit = declaration.limit
            if limit is not None and count > limit:
                problems.append(
                    FieldProblem(
                        cap.value,
                        f"{self.label} allows at most {quantity(limit, 'item')}, "
                        f"got {quantity(count, 'item')}",
                    )
                )
        return problems


#: What an ``extra`` key is, by operation, in the lenient warning.
_EXTRA_WORD = {"list": "list filter"}


#: The types an amount is given in, each with what makes a subclass's value that type's own.
_AMOUNT_TYPES: dict[type, Callable[[Any], Any]] = {
    Decimal: Decimal,
    int: int.__int__,
    float: float.__float__,
    str: str.__str__,
}


def _id_text(pass_id: str) -> bool:
    """Whether ``pass_id`` is 1 to 512 characters from ``!`` to ``~`` (printable ASCII without
    spaces, so no line break anywhere, a trailing one included), told by str's own tests (a
    regular-expression run per call cost more)."""
    return (
        0 < len(pass_id) <= _ID_MOST
        and pass_id.isascii()
        and pass_id.isprintable()
        and " " not in pass_id
    )


def _shared_build(
    bodies: builtins.list[tuple[PassUpdate, VendorRequest]], subject: PassUpdate, vendor_id: str
) -> Callable[[ProviderContract[Any]], VendorRequest]:
    """The build of ``subject``'s update body, taken from ``bodies`` where an equal change was
    built already (under another candidate template), and kept there."""

    def build(rules: ProviderContract[Any]) -> VendorRequest:
        for built_from, request in bodies:
            if built_from == subject and built_from.model_fields_set == subject.model_fields_set:
                return request
        request = rules.build_update(vendor_id, subject)
        bodies.append((subject, request))
        return request

    return build


def _logical(mapping: TemplateMapping | None) -> str | None:
    return mapping.logical if mapping is not None else None


def vendor_check(
    rules: ProviderContract[Any],
    request: VendorRequest | None,
    subject: Pass | PassUpdate,
    pass_id: str | None,
) -> list[FieldProblem]:
    """``rules.check`` of ``subject``, with the pass id of an update where that ``check``
    takes a ``pass_id`` keyword (:meth:`ProviderContract.check`)."""
    if pass_id is not None and _check_takes_pass_id(type(rules)):
        check: Callable[..., list[FieldProblem]] = rules.check
        return list(check(request, subject, pass_id=pass_id))
    return list(rules.check(request, subject))


def _check_takes_pass_id(cls: type[ProviderContract[Any]]) -> bool:
    takes = _TAKES_PASS_ID.get(cls)
    if takes is None:
        takes = _TAKES_PASS_ID[cls] = "pass_id" in inspect.signature(cls.check).parameters
    return takes


#: Per provider class: whether its ``check`` takes ``pass_id`` (read once; classes do not change).
_TAKES_PASS_ID: dict[type, bool] = {}


def builds_in_one_request(rules: ProviderContract[Any], operation: str) -> bool:
    """Whether ``rules`` implements the one-request build hook of ``operation``."""
    cls = type(rules)
    known = _ONE_REQUEST.get((cls, operation))
    if known is None:
        hook = f"build_{operation}"
        known = _ONE_REQUEST[(cls, operation)] = getattr(cls, hook) is not getattr(
            ProviderContract, hook
        )
    return known


#: Per provider class and operation: whether it has the one-request build hook (read once, as
#: :data:`_TAKES_PASS_ID`: a class's methods are not replaced while it serves calls).
_ONE_REQUEST: dict[tuple[type, str], bool] = {}


def _dropped_part(cap: Capability, content: Any, fallback: BarcodeFormat | None) -> str | None:
    """Exactly what lenient mode leaves out for ``cap``, when it is less than the whole field."""
    barcode = content.barcode
    if barcode is None or cap.value != f"barcode.{barcode.symbology.value}":
        return None
    if fallback is not None:
        return (
            f"{cap.value!r} (the barcode's format); only the format was dropped: the message "
            f"is kept and sent as {fallback.value}"
        )
    return (
        f"{cap.value!r} (the barcode's format) nor another format that can draw this message; "
        "the whole barcode (message included) was dropped"
    )
