"""The provider contract and the one pipeline every operation goes through.

A provider declares what its vendor can do (``capabilities``), which settings it takes
(``Settings``) and its vendor limits (``validate_pass`` / ``validate_update``), and implements
small pure hooks: ``build_<op>`` turns neutral input into a :class:`VendorRequest`,
``parse_<op>`` turns a :class:`VendorResponse` into neutral output. The base class owns the public
methods and runs, for every call, in this order:

1. capability check (NONE -> ``UnsupportedOperation`` naming the alternative),
2. neutral validation (pydantic model -> ``ValidationError``),
3. template alias resolution,
4. fields in use vs declarations (strict: ``UnsupportedFeature`` naming every field; lenient:
   one ``UnsupportedFeatureWarning`` per field, and the field is dropped),
5. vendor limits (declared counts + the provider's validators),
6. build hook -> shared transport -> parse hook, vendor errors through the error table.

Nothing is sent before every check has passed. Vendors whose operation takes several requests
override ``execute_<op>`` and still use ``send`` and their pure hooks.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from walletpass.behaviour import VendorBehaviour
from walletpass.bounds import call_deadline
from walletpass.capabilities import Capabilities, Capability, Support
from walletpass.change_message import substitute_placeholder
from walletpass.errors import (
    AuthenticationError,
    ConfigurationError,
    Conflict,
    FieldProblem,
    InvalidResponse,
    NotFound,
    PermissionDenied,
    ProviderUnavailable,
    RateLimited,
    UnsupportedFeature,
    UnsupportedFeatureWarning,
    UnsupportedOperation,
    ValidationError,
    WalletPassError,
)
from walletpass.event_contract import EventOperations
from walletpass.extra_keys import undocumented_extra_keys, unknown_key_problem
from walletpass.features import (
    NEVER_LENIENT,
    barcode_fallback,
    features_in_use,
    strip_features,
)
from walletpass.model import (
    BarcodeFormat,
    BulkItem,
    BulkResult,
    IssuedPass,
    NeutralModel,
    Pass,
    PassStatus,
    PassUpdate,
    Redemption,
)
from walletpass.outcomes import note_dispatch, unreconciled
from walletpass.ratelimit import build_limiter
from walletpass.redaction import scrub_exception
from walletpass.retry import GATEWAY_STATUSES, RetryPolicy, Safety, parse_retry_after
from walletpass.roundtrip import (
    TemplateMapping,
    attribute_value,
    change_to_vendor,
    issued_from_vendor,
    pass_to_vendor,
    without_attributes,
)
from walletpass.settings import ProviderSettings, load_settings
from walletpass.status import with_current_status
from walletpass.template_facts import apply_template_facts
from walletpass.transport import (
    DEFAULT_REQUEST_ID_HEADERS,
    Timeouts,
    Transport,
    VendorRequest,
    VendorResponse,
    ca_bundle_from_environment,
    default_user_agent,
    network_proxy,
)
from walletpass.values import check_wire_value, number_problem, wire_problems

if TYPE_CHECKING:
    from walletpass.bulk import BulkProgress
    from walletpass.journal import Journal

__all__ = [
    "PROVIDER_API_VERSION",
    "ErrorInfo",
    "ErrorRule",
    "ListFilters",
    "Page",
    "Provider",
]

#: Bumped when the provider contract changes incompatibly; plugins state the version they target.
PROVIDER_API_VERSION = 1

M = TypeVar("M", bound=NeutralModel)
_T = TypeVar("_T")
_C = TypeVar("_C", Pass, PassUpdate)

_ID_PATTERN = re.compile(r"^[\x21-\x7e]{1,512}$")


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """What a vendor error body says, extracted by the provider's ``parse_error`` hook."""

    message: str | None = None
    code: str | None = None
    request_id: str | None = None
    details: Any = None
    fields: Mapping[str, Sequence[str]] | None = None


@dataclass(frozen=True, slots=True)
class ErrorRule:
    """One row of a provider's error table: match on status and/or vendor code, raise ``error``.

    Rules are tried in order; the first match wins. ``status`` may be an int or a range.
    """

    error: type[WalletPassError]
    status: int | range | None = None
    code: str | None = None
    retryable: bool | None = None

    def matches(self, status: int, code: str | None) -> bool:
        if self.status is not None:
            if isinstance(self.status, range):
                if status not in self.status:
                    return False
            elif status != self.status:
                return False
        return not (self.code is not None and self.code != code)


#: Used after a provider's own table: the HTTP meaning of a status.
DEFAULT_ERROR_TABLE: tuple[ErrorRule, ...] = (
    ErrorRule(AuthenticationError, status=401),
    ErrorRule(PermissionDenied, status=403),
    ErrorRule(NotFound, status=404),
    ErrorRule(NotFound, status=410),
    ErrorRule(Conflict, status=409),
    ErrorRule(ValidationError, status=400),
    ErrorRule(ValidationError, status=415),
    ErrorRule(ValidationError, status=422),
    ErrorRule(RateLimited, status=429),
    ErrorRule(ProviderUnavailable, status=range(500, 600)),
)


@dataclass(frozen=True, slots=True)
class ListFilters:
    """Neutral filters for ``list()``; providers translate the ones their vendor understands."""

    template: str | None = None
    status: PassStatus | None = None
    page_size: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing and the request for the next one (``None`` at the end)."""

    items: Sequence[IssuedPass]
    next: VendorRequest | None = None


class Provider(EventOperations):
    """Base class of every walletpass provider (vendor backends, the fake, third-party plugins)."""

    #: Registered name, e.g. ``"pass2u"``.
    name: ClassVar[str] = ""
    #: The settings model; subclass ``ProviderSettings`` to add vendor settings.
    Settings: ClassVar[type[ProviderSettings]] = ProviderSettings
    #: What the vendor supports; anything not declared is NONE.
    capabilities: ClassVar[Capabilities] = Capabilities()
    #: The vendor's production API address.
    default_base_url: ClassVar[str | None] = None
    #: The vendor's documented request rate (requests/second) and the burst the limiter allows.
    default_rate_limit: ClassVar[float | None] = None
    rate_limit_burst: ClassVar[int] = 1
    #: Provider-specific error rules, tried before the HTTP defaults.
    error_table: ClassVar[Sequence[ErrorRule]] = ()
    #: Response headers that carry the vendor's request id.
    request_id_headers: ClassVar[Sequence[str]] = DEFAULT_REQUEST_ID_HEADERS
    #: The provider contract version this class was written for.
    provider_api_version: ClassVar[int] = PROVIDER_API_VERSION
    #: Parts of a pass the vendor takes from the template, not the request (e.g.
    #: ``"barcode.format"`` for Pass2U models): stated in the template alias and checked before
    #: sending (:mod:`walletpass.template_facts`).
    template_fixed: ClassVar[frozenset[str]] = frozenset()
    #: The top-level request keys the vendor documents, per operation (``"create"``,
    #: ``"update"``), that ``extra`` may carry; any other key is a typo: refused in strict mode,
    #: dropped with a warning in lenient mode (:mod:`walletpass.extra_keys`). ``None``: unchecked.
    extra_keys: ClassVar[Mapping[str, frozenset[str]] | None] = None
    #: Names of vendor-only methods, listed by ``walletpass capabilities`` (e.g. ``upload_image``).
    extra_operations: ClassVar[tuple[str, ...]] = ()
    #: One line about the vendor, shown by ``walletpass providers``.
    summary: ClassVar[str] = ""

    def __init__(
        self, settings: ProviderSettings | Mapping[str, Any] | None = None, /, **values: Any
    ) -> None:
        if not self.name:
            raise ConfigurationError(f"{type(self).__name__} does not declare a provider name")
        if isinstance(settings, ProviderSettings):
            if values:
                settings = settings.model_copy(update=values)
            self.settings = (
                load_settings(
                    self.Settings, settings.model_dump(exclude_unset=True), provider=self.name
                )
                if not isinstance(settings, self.Settings)
                else settings
            )
        else:
            merged = {**dict(settings or {}), **values}
            self.settings = load_settings(self.Settings, merged, provider=self.name)
        self._transport: Transport | None = None
        self._transport_lock = threading.Lock()
        self._warned: set[str] = set()
        self._warned_lock = threading.Lock()

    # ------------------------------------------------------------------------------------
    # Lifecycle
    # ------------------------------------------------------------------------------------

    @property
    def strict(self) -> bool:
        return self.settings.strict

    @property
    def transport(self) -> Transport:
        """The HTTP transport, created on first use (the fake never needs one)."""
        if self._transport is None:
            with self._transport_lock:
                if self._transport is None:
                    self._transport = self.make_transport()
        return self._transport

    def make_transport(self) -> Transport:
        base_url = self.settings.base_url or self.default_base_url
        if not base_url:
            raise ConfigurationError(f"provider {self.name!r} has no base_url", provider=self.name)
        rate = self.settings.rate_limit
        if rate is None:
            rate = self.default_rate_limit
        auth_headers = self.auth_headers()
        backend = self.settings.rate_limit_backend
        limiter = build_limiter(
            provider=self.name,
            rate=rate,
            burst=self.rate_limit_burst,
            backend=backend.get_secret_value() if backend is not None else None,
            credentials=list(auth_headers.values()),
            fallback_workers=self.settings.rate_limit_workers,
        )
        return Transport(
            provider=self.name,
            base_url=base_url,
            auth_headers=auth_headers,
            default_headers=self.default_headers(),
            timeouts=Timeouts(
                connect=self.settings.connect_timeout,
                read=self.settings.timeout,
                total=self.settings.deadline,
            ),
            policy=RetryPolicy(max_retries=self.settings.max_retries),
            rate_limiter=limiter,
            user_agent=self.user_agent(),
            retry_after=self.retry_after,
            request_id_headers=self.request_id_headers,
            pool_size=max(10, self.settings.concurrency),
            proxy=network_proxy(base_url, self.settings.proxy),
            verify=self.settings.ca_bundle or ca_bundle_from_environment() or True,
            max_answer_bytes=self.settings.max_answer_size,
        )

    def close(self) -> None:
        """Release the HTTP session; the provider can't send afterwards."""
        if self._transport is not None:
            self._transport.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def label(self) -> str:
        """How errors and warnings name this provider (``ProviderError.provider``): its name, or
        for a provider imitating another, both (the fake: ``fake(profile=pass2u)``)."""
        return self.name

    def __repr__(self) -> str:
        base = self.settings.base_url or self.default_base_url
        return f"<{type(self).__name__} name={self.name!r} base_url={base!r}>"

    def user_agent(self) -> str:
        dist, version = _distribution_of(type(self))
        return default_user_agent(dist, version, self.settings.app_info)

    # ------------------------------------------------------------------------------------
    # Hooks a provider implements (pure unless noted)
    # ------------------------------------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        """Headers carrying the credentials, e.g. ``{"Authorization": "Bearer ..."}``.

        Every value (and the token after ``Bearer``) is masked in every log, repr and error.

        :returns: header name -> value.
        :raises ConfigurationError: a credential is missing (:meth:`require_api_key` says
            which setting and environment variable to set).
        """
        return {}

    def require_api_key(self) -> str:
        """The configured API key, for :meth:`auth_headers`; a clear error naming the setting
        (and its environment variable) when there is none."""
        if self.settings.api_key is None:
            raise ConfigurationError(
                f"provider {self.name!r} needs an api_key "
                f"(e.g. set WALLETPASS_{self.name.upper().replace('-', '_')}_API_KEY)",
                provider=self.name,
            )
        return self.settings.api_key.get_secret_value()

    def default_headers(self) -> dict[str, str]:
        return {}

    @staticmethod
    def retry_after(headers: Mapping[str, str]) -> float | None:
        """Seconds the vendor asks us to wait, from response headers (lower-case names).

        :param headers: the answer's headers.
        :returns: seconds to wait, or ``None`` when the answer does not say (default: the
            standard ``Retry-After`` header, in seconds or as an HTTP date).
        """
        return parse_retry_after(headers.get("retry-after"))

    @classmethod
    def validate_pass(cls, new_pass: Pass) -> list[FieldProblem]:
        """The vendor's limits for a new pass (lengths, ranges, per-kind rules), checked
        before anything is sent; the fake's profile of this vendor runs them too.

        :param new_pass: the pass, already valid for the neutral model.
        :returns: every problem found (``FieldProblem(location, message)``, by neutral field
            path); empty when the vendor would take it. The core raises them together as one
            ``ValidationError``.
        """
        return []

    @classmethod
    def validate_update(cls, change: PassUpdate) -> list[FieldProblem]:
        """The vendor's limits for an update, like :meth:`validate_pass`.

        :param change: the update, already valid for the neutral model.
        :returns: every problem found; empty when the vendor would take it.
        """
        return []

    def decode_id(self, pass_id: str) -> Any:
        """Check an opaque pass id locally and unpack it.

        :param pass_id: an ``IssuedPass.id`` (already non-empty text without spaces or control
            characters).
        :returns: whatever the build hooks need (default: the id unchanged).
        :raises ValidationError: the id cannot be one of this vendor's; nothing is sent.
        """
        return pass_id

    def template_of(self, pass_id: str) -> str | None:
        """The vendor template an opaque pass id belongs to, when the id tells (so an
        update can rename fields by the template's alias without reading the pass first).

        :param pass_id: a checked ``IssuedPass.id``.
        :returns: the vendor's template id, or ``None`` (default) when the id does not say.
        """
        return None

    #: Neutral attributes (``external_id``, ``holder.name``, ``holder.email``, ``holder.phone``)
    #: this vendor can carry only in a template field: a template alias's ``attributes`` (or
    #: :meth:`default_attribute_fields`) must name the field, or the attribute is refused.
    #: Declare them EMULATED in ``capabilities``.
    field_held_attributes: ClassVar[frozenset[str]] = frozenset()

    #: Whether the vendor shows ``PassUpdate.message`` as free text (``%@`` is then filled in by
    #: walletpass, see :mod:`walletpass.change_message`) rather than as a per-field change message.
    free_text_messages: ClassVar[bool] = True

    #: How the vendor behaves where the declarations do not say (the status a redeemed pass is
    #: left in, reusable kinds, balance fields, text values, what a read cannot return): see
    #: :mod:`walletpass.behaviour`. The fake's vendor profile reproduces it.
    behaviour: ClassVar[VendorBehaviour] = VendorBehaviour()

    #: The ``IssuedPass.meta`` keys this provider may report, each with what it holds (its
    #: documentation page lists them; the conformance kit fails a key that is not declared here
    #: or by the core, ``read_back_failed``).
    meta_keys: ClassVar[Mapping[str, str]] = {}

    def default_attribute_fields(self) -> Mapping[str, str]:
        """Attribute -> template field used where a template alias names none (from settings)."""
        return {}

    # ------------------------------------------------------------------------------------
    # The round trip (see walletpass.roundtrip)
    # ------------------------------------------------------------------------------------

    def template_mapping(self, template: str | None) -> TemplateMapping:
        """The mapping for a pass created with ``template`` (a logical name or a vendor id)."""
        alias = self.settings.templates.get(template) if template else None
        attributes = {
            **{k: v for k, v in self.default_attribute_fields().items() if v},
            **(alias.attributes if alias else {}),
        }
        balance = self.capabilities[Capability.BALANCE]
        return TemplateMapping(
            template if alias else None,
            alias,
            attributes,
            balance_keys=self.behaviour.balance_fields,
            no_balance=balance.note if balance.support is Support.NONE else None,
        )

    def mapping_for_vendor_template(self, vendor_template: str | None) -> TemplateMapping:
        """The mapping for a pass the vendor says belongs to ``vendor_template``.

        Where several logical names map to one vendor template, the first declared wins.
        """
        if vendor_template is not None:
            for logical, alias in self.settings.templates.items():
                if alias.id == vendor_template:
                    return self.template_mapping(logical)
        return self.template_mapping(None)

    def present(self, issued: IssuedPass, mapping: TemplateMapping | None = None) -> IssuedPass:
        """``issued`` in the application's terms (logical template, fields and attributes).

        ``mapping`` is the one the call used, where known; otherwise it is found from the
        vendor template the pass reports. Raises ``InvalidResponse`` for a value that is not of
        its field's declared type.
        """
        if mapping is None or (
            issued.template is not None
            and mapping.alias is not None
            and mapping.alias.id != issued.template
        ):
            mapping = self.mapping_for_vendor_template(issued.template)
        return issued_from_vendor(issued, mapping)

    def parse_error(self, response: VendorResponse) -> ErrorInfo:
        """What a vendor error answer says, for the core to pick the error to raise.

        Called for every non-2xx answer. Read the vendor's documented error shape and leave the
        rest to the core: a body that is not JSON (a proxy's HTML page, plain text, nothing)
        makes ``response.json()`` raise ``InvalidResponse``, and JSON of an unknown shape a
        ``KeyError`` or ``TypeError``; the core then maps the answer by its HTTP status alone
        (502 -> ``ProviderUnavailable``). ``super().parse_error(response)`` reads common
        shapes (``message``, ``error``, ``detail``).

        :param response: the vendor's error answer.
        :returns: an ``ErrorInfo``: the vendor's ``code`` and ``message``, field problems
            (``fields``: vendor field -> messages), ``request_id`` and the raw ``details``; the
            core matches ``(status, code)`` against ``error_table``, then the HTTP defaults.
        """
        body = response.json()
        if isinstance(body, Mapping):
            message = body.get("message") or body.get("error") or body.get("detail")
            if isinstance(message, Mapping):
                message = message.get("message")
            return ErrorInfo(message=str(message) if message else None, details=body)
        return ErrorInfo(details=body)

    def find_by_external_id(self, new_pass: Pass) -> IssuedPass | None:
        """Look a pass up by its external id, for a RECOVERABLE create whose
        outcome is unknown (the core calls it before any resend, so no pass is issued twice).

        :param new_pass: the pass that was sent (its ``external_id`` is set).
        :returns: the pass the vendor holds under that id, or ``None`` when it has none.
        :raises UnsupportedOperation: the vendor cannot look passes up (default); the create then
            raises ``OutcomeUnknown`` instead of being sent again.
        """
        raise UnsupportedOperation(
            f"{self.label} cannot look passes up by external id", provider=self.label
        )

    # build/parse hooks: implemented by providers for the operations they declare
    def build_create(self, new_pass: Pass) -> VendorRequest:
        """The request that issues ``new_pass`` (pure: no I/O, no state).

        Called once per create, after every check passed, with the pass in the vendor's terms
        (the template alias applied: vendor template id and field keys, attributes moved into
        their template fields).

        :param new_pass: the pass to issue.
        :returns: a ``VendorRequest``: ``method``, ``path`` (relative to ``base_url``; ids
            quoted), ``query``, ``json`` or ``data``, ``headers``, and its ``Safety`` (``SAFE``
            reads, ``IDEMPOTENT``, ``RECOVERABLE``, ``UNSAFE``), which decides what the core may
            retry. ``RECOVERABLE`` with an ``external_id`` makes the core look the pass
            up with :meth:`find_by_external_id` before resending after an ambiguous failure.
        :raises ValidationError: a value the vendor cannot take, named by its neutral field
            path (``FieldProblem``); nothing is sent.
        :raises UnsupportedFeature: a part the vendor cannot express, where sending would drop
            it; nothing is sent.
        """
        raise self._missing_hook("build_create")

    def parse_create(self, response: VendorResponse, new_pass: Pass) -> IssuedPass:
        """The issued pass, from the vendor's answer to the create (pure).

        :param response: the vendor's 2xx answer: ``status``, ``headers`` (lower-case
            names), ``body`` (bytes); ``response.json()`` parses it or raises
            ``InvalidResponse``.
        :param new_pass: the pass as it was sent.
        :returns: an ``IssuedPass`` with at least ``id`` (opaque: everything needed to address
            the pass again), ``vendor_id`` and ``provider`` (``self.name``); the core then sets
            the status a ``get()`` would report and presents it in the application's terms.
        :raises InvalidResponse: the answer lacks what the vendor documents. A ``KeyError``,
            ``TypeError``, ``ValueError``, ``IndexError`` or ``AttributeError`` raised here
            becomes ``InvalidResponse`` too, with ``outcome_unknown`` set when the request
            changed something (the vendor acted, but its result cannot be read).
        """
        raise self._missing_hook("parse_create")

    def build_get(self, pass_id: str) -> VendorRequest:
        """The request that reads a pass (pure).

        :param pass_id: the checked id (see :meth:`decode_id`).
        :returns: a ``VendorRequest``: ``method``, ``path`` (relative to ``base_url``; ids
            quoted), ``query``, ``json`` or ``data``, ``headers``, and its ``Safety`` (``SAFE``
            reads, ``IDEMPOTENT``, ``RECOVERABLE``, ``UNSAFE``), which decides what the core may
            retry.
        :raises ValidationError: an id the vendor's read cannot address; nothing is sent.
        """
        raise self._missing_hook("build_get")

    def parse_get(self, response: VendorResponse, pass_id: str) -> IssuedPass:
        """The pass, from the vendor's answer to the read (pure).

        :param response: the vendor's 2xx answer: ``status``, ``headers`` (lower-case
            names), ``body`` (bytes); ``response.json()`` parses it or raises
            ``InvalidResponse``.
        :param pass_id: the id that was read.
        :returns: an ``IssuedPass`` as :meth:`parse_create` returns one; parts the vendor's read
            does not return are left out (``None`` / empty) and declared in
            ``behaviour.unread_on_get``, never guessed.
        :raises InvalidResponse: the answer lacks what the vendor documents. A ``KeyError``,
            ``TypeError``, ``ValueError``, ``IndexError`` or ``AttributeError`` raised here
            becomes ``InvalidResponse`` too, with ``outcome_unknown`` set when the request
            changed something (the vendor acted, but its result cannot be read).
        """
        raise self._missing_hook("parse_get")

    def build_update(self, pass_id: str, change: PassUpdate) -> VendorRequest:
        """The request that changes a pass (pure).

        :param pass_id: the checked id.
        :param change: only what the caller set (``change.changed()``; ``change.cleared()``
            names the parts set to ``None``), in the vendor's terms; ``message`` and ``notify``
            as given.
        :returns: a ``VendorRequest``: ``method``, ``path`` (relative to ``base_url``; ids
            quoted), ``query``, ``json`` or ``data``, ``headers``, and its ``Safety`` (``SAFE``
            reads, ``IDEMPOTENT``, ``RECOVERABLE``, ``UNSAFE``), which decides what the core may
            retry.
        :raises ValidationError: a value the vendor cannot take, named by its neutral field
            path (``FieldProblem``); nothing is sent.
        :raises UnsupportedFeature: a part the vendor cannot express, where sending would drop
            it; nothing is sent.
        """
        raise self._missing_hook("build_update")

    def parse_update(
        self, response: VendorResponse, pass_id: str, change: PassUpdate
    ) -> IssuedPass:
        """The pass after the change, from the vendor's answer (pure).

        :param response: the vendor's 2xx answer: ``status``, ``headers`` (lower-case
            names), ``body`` (bytes); ``response.json()`` parses it or raises
            ``InvalidResponse``.
        :param pass_id: the id that was changed.
        :param change: the change as it was sent.
        :returns: an ``IssuedPass`` as :meth:`parse_create` returns one.
        :raises InvalidResponse: the answer lacks what the vendor documents. A ``KeyError``,
            ``TypeError``, ``ValueError``, ``IndexError`` or ``AttributeError`` raised here
            becomes ``InvalidResponse`` too, with ``outcome_unknown`` set when the request
            changed something (the vendor acted, but its result cannot be read).
        """
        raise self._missing_hook("parse_update")

    def build_redeem(
        self, pass_id: str, amount: Decimal | None, options: Mapping[str, Any]
    ) -> VendorRequest:
        """The request that redeems a pass (pure).

        :param pass_id: the checked id.
        :param amount: ``None`` to use the pass up, or a positive ``Decimal`` to spend from its
            balance, in the balance's unit (points, or the currency's main unit).
        :param options: the caller's vendor-specific options (refuse unknown ones).
        :returns: a ``VendorRequest``: ``method``, ``path`` (relative to ``base_url``; ids
            quoted), ``query``, ``json`` or ``data``, ``headers``, and its ``Safety`` (``SAFE``
            reads, ``IDEMPOTENT``, ``RECOVERABLE``, ``UNSAFE``), which decides what the core may
            retry.
        :raises ValidationError: an amount or option the vendor cannot take; nothing is sent.
        """
        raise self._missing_hook("build_redeem")

    def parse_redeem(self, response: VendorResponse, pass_id: str) -> Redemption:
        """The redemption, from the vendor's answer (pure).

        :param response: the vendor's 2xx answer: ``status``, ``headers`` (lower-case
            names), ``body`` (bytes); ``response.json()`` parses it or raises
            ``InvalidResponse``.
        :param pass_id: the id that was redeemed.
        :returns: a ``Redemption`` (``pass_id``, ``provider``, the ``status`` the vendor
            reports, ``amount`` and ``remaining`` in the balance's unit where it says them,
            ``redeemed_at``, ``method``); the core gives ``status`` its one meaning (REDEEMED
            for a use-up, ACTIVE after a spend).
        :raises InvalidResponse: the answer lacks what the vendor documents. A ``KeyError``,
            ``TypeError``, ``ValueError``, ``IndexError`` or ``AttributeError`` raised here
            becomes ``InvalidResponse`` too, with ``outcome_unknown`` set when the request
            changed something (the vendor acted, but its result cannot be read).
        """
        raise self._missing_hook("parse_redeem")

    def build_delete(self, pass_id: str) -> VendorRequest:
        """The request that deletes (or permanently invalidates) a pass (pure). Any
        2xx answer means done: there is no parse hook.

        :param pass_id: the checked id.
        :returns: a ``VendorRequest``: ``method``, ``path`` (relative to ``base_url``; ids
            quoted), ``query``, ``json`` or ``data``, ``headers``, and its ``Safety`` (``SAFE``
            reads, ``IDEMPOTENT``, ``RECOVERABLE``, ``UNSAFE``), which decides what the core may
            retry.
        :raises ValidationError: an id the vendor cannot address; nothing is sent.
        """
        raise self._missing_hook("build_delete")

    def build_list(self, filters: ListFilters) -> VendorRequest:
        """The request for the first page of a listing (pure).

        :param filters: ``ListFilters`` (``template``, ``status``, ``page_size``, ``extra``),
            already checked for shape by the core.
        :returns: a ``VendorRequest``: ``method``, ``path`` (relative to ``base_url``; ids
            quoted), ``query``, ``json`` or ``data``, ``headers``, and its ``Safety`` (``SAFE``
            reads, ``IDEMPOTENT``, ``RECOVERABLE``, ``UNSAFE``), which decides what the core may
            retry.
        :raises ValidationError: a filter the vendor cannot apply; nothing is sent.
        """
        raise self._missing_hook("build_list")

    def parse_list(self, response: VendorResponse, filters: ListFilters) -> Page:
        """One page of a listing, from the vendor's answer (pure).

        :param response: the vendor's 2xx answer: ``status``, ``headers`` (lower-case
            names), ``body`` (bytes); ``response.json()`` parses it or raises
            ``InvalidResponse``.
        :param filters: the listing's filters.
        :returns: a ``Page``: ``items`` (``IssuedPass`` as :meth:`parse_get` returns them) and
            ``next``, the request for the next page (a vendor's absolute link may be its path),
            or ``None`` at the end.
        :raises InvalidResponse: the answer lacks what the vendor documents. A ``KeyError``,
            ``TypeError``, ``ValueError``, ``IndexError`` or ``AttributeError`` raised here
            becomes ``InvalidResponse`` too, with ``outcome_unknown`` set when the request
            changed something (the vendor acted, but its result cannot be read).
        """
        raise self._missing_hook("parse_list")

    def _missing_hook(self, hook: str) -> WalletPassError:
        return UnsupportedOperation(
            f"{type(self).__name__} declares this operation but does not implement {hook}()",
            provider=self.label,
        )

    # ------------------------------------------------------------------------------------
    # Execution steps (override for multi-request operations)
    # ------------------------------------------------------------------------------------

    def execute_create(self, new_pass: Pass) -> IssuedPass:
        """Run a create: :meth:`build_create`, send, :meth:`parse_create` (a
        RECOVERABLE request with an ``external_id`` is looked up before any resend).

        Override only where the operation needs several requests; send each with
        ``self.send(request, operation)`` (retries, the rate limit and the deadline; a non-2xx
        answer raises the error its ``error_table`` maps) and read each answer with
        ``self.parse(hook, response, ...)``. Runs after every check has passed.

        :param new_pass: the checked pass, in the vendor's terms.
        :returns: the issued pass (the core presents it).
        :raises WalletPassError: the error the vendor's answer maps to (``NotFound``,
            ``AlreadyRedeemed``, ``BusinessRuleError``...: the provider's ``error_table``, then
            the HTTP defaults), or ``ProviderUnavailable`` / ``RateLimited`` from the transport;
            ``outcome_unknown`` is set wherever the request may have taken effect.
        """
        request = self.build_create(new_pass)
        if request.safety is Safety.RECOVERABLE and new_pass.external_id is not None:
            return self._send_recoverable(request, new_pass)
        return self.parse(self.parse_create, self.send(request, "create"), new_pass)

    def execute_get(self, pass_id: str) -> IssuedPass:
        """Run a read: :meth:`build_get`, send, :meth:`parse_get`.

        Override only where the operation needs several requests; send each with
        ``self.send(request, operation)`` (retries, the rate limit and the deadline; a non-2xx
        answer raises the error its ``error_table`` maps) and read each answer with
        ``self.parse(hook, response, ...)``. Runs after every check has passed.

        :param pass_id: the checked id.
        :returns: the pass (the core presents it).
        :raises WalletPassError: the error the vendor's answer maps to (``NotFound``,
            ``AlreadyRedeemed``, ``BusinessRuleError``...: the provider's ``error_table``, then
            the HTTP defaults), or ``ProviderUnavailable`` / ``RateLimited`` from the transport;
            ``outcome_unknown`` is set wherever the request may have taken effect.
        """
        return self.parse(self.parse_get, self.send(self.build_get(pass_id), "get"), pass_id)

    def execute_update(self, pass_id: str, change: PassUpdate) -> IssuedPass:
        """Run an update: :meth:`build_update`, send, :meth:`parse_update`.

        Override only where the operation needs several requests; send each with
        ``self.send(request, operation)`` (retries, the rate limit and the deadline; a non-2xx
        answer raises the error its ``error_table`` maps) and read each answer with
        ``self.parse(hook, response, ...)``. Runs after every check has passed.

        :param pass_id: the checked id.
        :param change: the checked change, in the vendor's terms.
        :returns: the pass after the change (the core presents it).
        :raises WalletPassError: the error the vendor's answer maps to (``NotFound``,
            ``AlreadyRedeemed``, ``BusinessRuleError``...: the provider's ``error_table``, then
            the HTTP defaults), or ``ProviderUnavailable`` / ``RateLimited`` from the transport;
            ``outcome_unknown`` is set wherever the request may have taken effect.
        """
        request = self.build_update(pass_id, change)
        return self.parse(self.parse_update, self.send(request, "update"), pass_id, change)

    def execute_redeem(
        self, pass_id: str, amount: Decimal | None, options: Mapping[str, Any]
    ) -> Redemption:
        """Run a redemption: :meth:`build_redeem`, send, :meth:`parse_redeem`.

        Override only where the operation needs several requests; send each with
        ``self.send(request, operation)`` (retries, the rate limit and the deadline; a non-2xx
        answer raises the error its ``error_table`` maps) and read each answer with
        ``self.parse(hook, response, ...)``. Runs after every check has passed.

        :param pass_id: the checked id.
        :param amount: ``None``, or the checked positive amount in the balance's unit.
        :param options: the caller's options.
        :returns: the vendor's ``Redemption`` (the core gives its status the one meaning).
        :raises WalletPassError: the error the vendor's answer maps to (``NotFound``,
            ``AlreadyRedeemed``, ``BusinessRuleError``...: the provider's ``error_table``, then
            the HTTP defaults), or ``ProviderUnavailable`` / ``RateLimited`` from the transport;
            ``outcome_unknown`` is set wherever the request may have taken effect.
        """
        request = self.build_redeem(pass_id, amount, options)
        return self.parse(self.parse_redeem, self.send(request, "redeem"), pass_id)

    def execute_delete(self, pass_id: str) -> None:
        """Run a deletion: :meth:`build_delete`, send.

        Override only where the operation needs several requests; send each with
        ``self.send(request, operation)`` (retries, the rate limit and the deadline; a non-2xx
        answer raises the error its ``error_table`` maps) and read each answer with
        ``self.parse(hook, response, ...)``. Runs after every check has passed.

        :param pass_id: the checked id.
        :returns: ``None``.
        :raises WalletPassError: the error the vendor's answer maps to (``NotFound``,
            ``AlreadyRedeemed``, ``BusinessRuleError``...: the provider's ``error_table``, then
            the HTTP defaults), or ``ProviderUnavailable`` / ``RateLimited`` from the transport;
            ``outcome_unknown`` is set wherever the request may have taken effect.
        """
        self.send(self.build_delete(pass_id), "delete")

    def execute_list(self, filters: ListFilters) -> Iterator[IssuedPass]:
        """Run a listing: :meth:`build_list`, then :meth:`parse_list` page after
        page while ``Page.next`` is set; pages are requested as the caller iterates, so a
        request's error is raised by the ``next()`` that needed its page.

        Override only where the operation needs several requests; send each with
        ``self.send(request, operation)`` (retries, the rate limit and the deadline; a non-2xx
        answer raises the error its ``error_table`` maps) and read each answer with
        ``self.parse(hook, response, ...)``. Runs after every check has passed.

        :param filters: the checked filters.
        :returns: an iterator of passes (the core presents each).
        :raises WalletPassError: the error the vendor's answer maps to (``NotFound``,
            ``AlreadyRedeemed``, ``BusinessRuleError``...: the provider's ``error_table``, then
            the HTTP defaults), or ``ProviderUnavailable`` / ``RateLimited`` from the transport;
            ``outcome_unknown`` is set wherever the request may have taken effect.
        """
        request: VendorRequest | None = self.build_list(filters)
        while request is not None:
            page = self.parse(self.parse_list, self.send(request, "list"), filters)
            yield from page.items
            request = page.next

    #: Providers with a native batch endpoint set this and implement ``execute_create_batch``.
    native_batch_size: ClassVar[int | None] = None

    def execute_create_batch(
        self,
        passes: Sequence[Pass],
        on_progress: Callable[[int, int], None] | None = None,
        on_accepted: Callable[[Sequence[int], str], None] | None = None,
    ) -> list[IssuedPass | WalletPassError]:
        """Create several passes in one vendor batch; one outcome per input, in order.

        ``on_accepted(positions, ticket)``: call it as soon as the vendor has taken the passes
        at ``positions`` into a job that runs in the background, named by ``ticket`` (a batch
        id). A bulk journal records it, so a run that dies while the job runs can collect its
        outcomes later through :meth:`follow_batch` instead of guessing.

        :param passes: the checked passes, in the vendor's terms (at most
            ``native_batch_size``).
        :param on_progress: ``on_progress(done, total)`` as the vendor reports progress.
        :param on_accepted: see above.
        :returns: one ``IssuedPass`` or ``WalletPassError`` per input, in input order (an error
            with ``outcome_unknown`` where the vendor may have issued that pass).
        :raises WalletPassError: a failure of the whole batch before the vendor took it.
        """
        raise self._missing_hook("execute_create_batch")

    def follow_batch(
        self, ticket: str, passes: Sequence[Pass]
    ) -> list[IssuedPass | WalletPassError]:
        """The outcomes of ``passes``, which an earlier run saw accepted into job ``ticket``.

        One outcome per pass, in order; a job still running past the provider's deadline gives
        errors with ``outcome_unknown``. Providers that report tickets implement it.

        :param ticket: the batch id ``on_accepted`` reported.
        :param passes: the passes of that batch, in the order they were sent.
        :returns: one ``IssuedPass`` or ``WalletPassError`` per pass, in order.
        :raises UnsupportedOperation: the provider does not follow background batches
            (default).
        """
        raise UnsupportedOperation(
            f"{self.label} does not follow background batches",
            provider=self.label,
            operation="follow_batch",
        )

    # ------------------------------------------------------------------------------------
    # Shared machinery for hooks
    # ------------------------------------------------------------------------------------

    def send(self, request: VendorRequest, operation: str) -> VendorResponse:
        """Send through the shared transport; a non-2xx answer raises through the error table."""
        transport = self.transport
        note_dispatch()  # from here on the vendor may act on it
        response = transport.send(request, operation=operation)
        if not 200 <= response.status < 300:
            error = self.error_for(response, operation)
            # A gateway error means the backend may have acted: for a request that must not be
            # repeated blindly the caller has to reconcile (RECOVERABLE creates look it up).
            if response.status in GATEWAY_STATUSES and not request.safety.repeatable:
                error.outcome_unknown = True
            raise error
        return response

    def parse(self, hook: Callable[..., _T], response: VendorResponse, *args: Any) -> _T:
        """Run a parse hook; a response missing what the hook expects is ``InvalidResponse``."""
        # A success we cannot read, to a request that changes something, means the change was
        # made but we cannot tell its result (the new pass's id...): an unknown outcome, for
        # the caller (and a bulk journal) to reconcile rather than to treat as "not done".
        acted = response.ok and response.method.upper() not in ("GET", "HEAD", "OPTIONS")
        try:
            return hook(response, *args)
        except InvalidResponse as exc:
            exc.outcome_unknown = exc.outcome_unknown or acted
            raise
        except ValidationError as exc:
            # A model built from the answer refused it (a pass id with a terminal escape...):
            # the vendor's answer is invalid, not the caller's input.
            problem: BaseException = exc
        except WalletPassError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as exc:
            problem = exc  # (OverflowError: a JSON number like 1e999 turned into an int)
        # Raised outside the handler so the hook's exception (whose text may quote a vendor echo
        # of the credentials) is reachable only through its scrubbed stand-in.
        raise InvalidResponse(
            f"unexpected response to {response.method} {response.path}: "
            f"{type(problem).__name__}: {problem}",
            provider=self.label,
            status=response.status,
            request_id=response.request_id,
            outcome_unknown=acted,
        ) from scrub_exception(problem)

    def error_for(self, response: VendorResponse, operation: str | None) -> WalletPassError:
        """Build the walletpass error for a vendor error response."""
        try:
            info = self.parse_error(response)
        except InvalidResponse:  # a proxy's HTML page, a challenge's text: not the vendor's JSON
            info = ErrorInfo(message=f"HTTP {response.status} with a non-JSON body")
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            # JSON of a shape the hook was not written for: the status alone decides.
            info = ErrorInfo(
                message=f"HTTP {response.status} with an error body that could not be read"
            )
        request_id = info.request_id or response.request_id
        rule = next(
            (
                r
                for r in (*self.error_table, *DEFAULT_ERROR_TABLE)
                if r.matches(response.status, info.code)
            ),
            None,
        )
        error_cls = rule.error if rule else WalletPassError
        message = info.message or f"HTTP {response.status}"
        kwargs: dict[str, Any] = {
            "provider": self.name,
            "operation": operation,
            "status": response.status,
            "code": info.code,
            "request_id": request_id,
            "details": info.details,
        }
        if rule is not None and rule.retryable is not None:
            kwargs["retryable"] = rule.retryable
        if response.status in (429, 503):
            kwargs["retry_after"] = self.retry_after(response.headers)
        if issubclass(error_cls, ValidationError):
            problems = [
                FieldProblem(where, text)
                for where, texts in (info.fields or {}).items()
                for text in (texts if isinstance(texts, list | tuple) else [str(texts)])
            ]
            return error_cls(
                f"{self.label} refused the request: {message}", problems=problems, **kwargs
            )
        return error_cls(message, **kwargs)

    def _send_recoverable(self, request: VendorRequest, new_pass: Pass) -> IssuedPass:
        """Send a create that may be repeated once the vendor says it does not have the pass.

        After an answer that leaves the outcome unknown the pass is looked up by external id:
        found, it is the result; absent, the create is sent again. A lookup that fails leaves
        the outcome unknown: :class:`OutcomeUnknown` (never retryable), so neither the caller
        nor a bulk journal treats a pass the vendor may hold as "not sent".
        """
        last: WalletPassError | None = None
        for _ in range(self.settings.max_retries + 1):
            try:
                return self.parse(self.parse_create, self.send(request, "create"), new_pass)
            except WalletPassError as exc:
                if not exc.outcome_unknown:
                    raise
                last = exc
            found = self.reconcile_create(last, new_pass)
            if found is not None:
                return found
        assert last is not None
        raise last

    def reconcile_create(self, sent: WalletPassError, new_pass: Pass) -> IssuedPass | None:
        """Look up a create whose outcome ``sent`` left unknown: the one reconciliation path.

        Returns the pass the vendor holds, or ``None`` when it holds none (sending again is
        safe). A provider with its own create loop calls this after an ambiguous failure.

        Raises:
            OutcomeUnknown: the lookup itself failed (``outcome_unknown`` true, never
                retryable), so nobody knows whether the pass exists.
        """
        try:
            return self.find_by_external_id(new_pass)
        except Exception as lookup:
            raise unreconciled(sent, lookup, provider=self.name, subject=new_pass) from (
                lookup if isinstance(lookup, WalletPassError) else scrub_exception(lookup)
            )

    # ------------------------------------------------------------------------------------
    # The public API
    # ------------------------------------------------------------------------------------

    def create(self, new_pass: Pass | Mapping[str, Any]) -> IssuedPass:
        """Issue a pass.

        Every check (neutral validation, the declarations, the vendor's limits, the template
        alias) runs before anything is sent; a create the vendor may or may not have received is
        looked up by ``external_id`` before any resend where the provider declares it
        RECOVERABLE, so a pass is never issued twice.

        :param new_pass: the pass, or a mapping with the same keys (validated into a ``Pass``).
        :returns: the issued pass: its opaque ``id`` (pass it to every other call), the
            vendor's ``vendor_id``, ``status`` as a ``get()`` right now would report it,
            wallet links in ``urls`` where the vendor gives them, the fields and holder under
            the application's logical names, and vendor details in ``meta`` (keys listed on each
            provider's page).
        :raises ValidationError: the pass is malformed or breaks a vendor limit (every problem
            at once, by field path; nothing sent).
        :raises UnsupportedFeature: the pass uses a field the provider declares NONE (strict
            mode; lenient mode warns with ``UnsupportedFeatureWarning`` and drops only that
            part); nothing sent.
        :raises Conflict: the vendor already has a pass with this ``external_id``.
        :raises OutcomeUnknown: an earlier attempt may have issued it and the vendor cannot be
            asked (nothing is re-sent).
        :raises BusinessRuleError: the vendor refused it for a business reason.
        :raises NotFound: the template does not exist at the vendor.
        :raises ProviderUnavailable: no answer, a 5xx, a timeout or the ``deadline`` passed
            (``outcome_unknown`` where the request may have taken effect).
        :raises WalletPassError: the other request errors: ``AuthenticationError`` (401),
            ``PermissionDenied`` (403), ``RateLimited``, ``QuotaExceeded``, ``InvalidResponse``
            (an unreadable answer), ``RedirectNotFollowed``, ``ConfigurationError``.
        """
        with self._guard("create"):
            prepared, mapping = self._prepare_create(new_pass)
            # The deadline bounds the whole create, a reconciling lookup included.
            with call_deadline(self.settings.deadline):
                issued = self.execute_create(prepared)
            issued = with_current_status(issued, expires_at=prepared.expires_at)
            return self._present_written(issued, mapping)

    def get(self, pass_id: str) -> IssuedPass:
        """Read a pass back as the vendor reports it now.

        :param pass_id: the ``IssuedPass.id`` a create returned (checked locally first).
        :returns: the pass, as :meth:`create` returns one; parts the vendor's read cannot return
            (its ``behaviour.unread_on_get``: fields, balance or holder contact data) are left out
            entirely, never guessed.
        :raises UnsupportedOperation: the provider cannot read passes (the message names the
            alternative); nothing sent.
        :raises ValidationError: a malformed id; nothing sent.
        :raises NotFound: no such pass (``NotFound.provider`` names the provider).
        :raises ProviderUnavailable: no answer, a 5xx, a timeout or the ``deadline`` passed
            (``outcome_unknown`` where the request may have taken effect).
        :raises WalletPassError: the other request errors: ``AuthenticationError`` (401),
            ``PermissionDenied`` (403), ``RateLimited``, ``QuotaExceeded``, ``InvalidResponse``
            (an unreadable answer), ``RedirectNotFollowed``, ``ConfigurationError``.
        """
        with self._guard("get"):
            self.require(Capability.GET)
            checked = self._check_id(pass_id)
            return self.present(self.execute_get(checked))

    def update(self, pass_id: str, change: PassUpdate | Mapping[str, Any]) -> IssuedPass:
        """Change an issued pass; fields left out stay as they are.

        Only the parts set on ``change`` are sent (``None`` clears a part where the provider
        declares ``update.clear``); ``message`` is pushed to the holder where the vendor can,
        ``notify`` asks for (or against) a notification. The change is checked before it is
        sent.

        :param pass_id: the ``IssuedPass.id`` a create returned.
        :param change: a ``PassUpdate``, or a mapping with the same keys.
        :returns: the pass after the change, as :meth:`create` returns one, with the status a
            ``get()`` right after would report.
        :raises UnsupportedOperation: the provider cannot update passes; nothing sent.
        :raises ValidationError: a malformed id or change, or one breaking a vendor limit;
            nothing sent.
        :raises UnsupportedFeature: the change uses a field or behaviour (message, notify,
            clearing) declared NONE; nothing sent.
        :raises NotFound: no such pass.
        :raises AlreadyRedeemed: the vendor refuses to change a used or voided pass.
        :raises PassExpired: the vendor refuses to change an expired pass.
        :raises BusinessRuleError: any other business refusal by the vendor.
        :raises Conflict: a concurrent change the vendor refused.
        :raises ProviderUnavailable: no answer, a 5xx, a timeout or the ``deadline`` passed
            (``outcome_unknown`` where the request may have taken effect).
        :raises WalletPassError: the other request errors: ``AuthenticationError`` (401),
            ``PermissionDenied`` (403), ``RateLimited``, ``QuotaExceeded``, ``InvalidResponse``
            (an unreadable answer), ``RedirectNotFollowed``, ``ConfigurationError``.
        """
        with self._guard("update"):
            checked, prepared, mapping = self._prepare_update(pass_id, change)
            issued = self.execute_update(checked, prepared)
            if prepared.expires_at is not None:
                # An expiry this update sets that has passed makes the pass expired, as a get()
                # right after reports (the vendor's answer may predate looking at it).
                issued = with_current_status(issued, expires_at=prepared.expires_at)
            return self._present_written(issued, mapping)

    def redeem(
        self,
        pass_id: str,
        *,
        amount: Decimal | int | float | str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Redemption:
        """Redeem a pass: consume it, or spend ``amount`` from its balance.

        Without ``amount`` the pass is used up (a ticket scanned at the door, a coupon applied):
        the answer's ``status`` is ``REDEEMED`` on every provider (how the vendor did it, e.g. by
        voiding the pass, is in ``meta["vendor_status"]``), a ``get()`` afterwards reports a
        final status, and redeeming again raises ``AlreadyRedeemed``.

        With ``amount`` (a positive number, in the balance's unit: points, or the currency's
        main unit) it is deducted from the pass's balance (points, gift card); the pass stays
        ``ACTIVE`` and ``remaining`` reports the balance left where the vendor tells it.

        :param pass_id: the ``IssuedPass.id`` a create returned.
        :param amount: how much to spend, in the balance's unit: points, or the currency's main
            unit (``Decimal("2.50")`` is two and a half euros, not cents); a positive number
            (``Decimal``, ``int``, ``float`` or numeric text). A vendor that counts whole points
            refuses a fraction.
        :param options: vendor-specific redemption options (each provider's page lists them),
            checked before sending.
        :returns: a ``Redemption``: ``status`` (``REDEEMED`` for a use-up; ``ACTIVE`` after a
            spend, or a use that leaves a multi-use pass usable), ``amount`` (what was spent, in
            the balance's unit; without an amount ``None``, or ``1`` where the vendor counts
            uses), ``remaining`` (the balance left, same unit, where the vendor tells it, or
            the uses so far after a counted use; else ``None``), ``redeemed_at``, ``method``
            (the vendor's verb, e.g. ``check-in``) and ``meta`` (``vendor_status``: the
            vendor's own word for the result where it differs from ``status``).
        :raises UnsupportedOperation: the provider cannot redeem at all (the message names the
            alternative); nothing sent.
        :raises UnsupportedFeature: ``amount`` on a provider whose passes have no balance;
            nothing sent.
        :raises ValidationError: a malformed id, amount or options; nothing sent.
        :raises AlreadyRedeemed: the pass was used up or voided already.
        :raises PassExpired: the pass has expired.
        :raises BusinessRuleError: any other refusal, e.g. an amount larger than the balance.
        :raises NotFound: no such pass.
        :raises ProviderUnavailable: no answer, a 5xx, a timeout or the ``deadline`` passed
            (``outcome_unknown`` where the request may have taken effect).
        :raises WalletPassError: the other request errors: ``AuthenticationError`` (401),
            ``PermissionDenied`` (403), ``RateLimited``, ``QuotaExceeded``, ``InvalidResponse``
            (an unreadable answer), ``RedirectNotFollowed``, ``ConfigurationError``.
        """
        with self._guard("redeem"):
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
            result = self.execute_redeem(checked, value, dict(options or {}))
            return neutral_redemption(result, value)

    def delete(self, pass_id: str) -> None:
        """Remove or permanently invalidate a pass (what that means is declared per provider, in
        its ``delete`` note; a ``get()`` afterwards raises ``NotFound`` or reports ``DELETED``,
        ``VOIDED`` or ``EXPIRED``).

        :param pass_id: the ``IssuedPass.id`` a create returned.
        :returns: ``None``.
        :raises UnsupportedOperation: the provider cannot delete passes (the message names the
            alternative, e.g. expiring it by update); nothing sent.
        :raises NotFound: no such pass.
        :raises ValidationError: a malformed id; nothing sent.
        :raises ProviderUnavailable: no answer, a 5xx, a timeout or the ``deadline`` passed
            (``outcome_unknown`` where the request may have taken effect).
        :raises WalletPassError: the other request errors: ``AuthenticationError`` (401),
            ``PermissionDenied`` (403), ``RateLimited``, ``QuotaExceeded``, ``InvalidResponse``
            (an unreadable answer), ``RedirectNotFollowed``, ``ConfigurationError``.
        """
        with self._guard("delete"):
            self.require(Capability.DELETE)
            checked = self._check_id(pass_id)
            self.execute_delete(checked)

    def list(
        self,
        *,
        template: str | None = None,
        status: PassStatus | str | None = None,
        page_size: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Iterator[IssuedPass]:
        """Iterate over passes, fetching pages lazily. Checks happen now; requests on iteration.

        The errors of a request are raised while iterating, by the ``next()`` that needed its
        page.

        :param template: only passes of this template (a logical name or the vendor's id).
        :param status: only passes in this status (a ``PassStatus`` or its value).
        :param page_size: passes per request, within the vendor's limits (``None``: the
            vendor's default).
        :param extra: vendor-specific filters (each provider's page lists them).
        :returns: an iterator of ``IssuedPass``, as :meth:`get` reports each; the next page is
            requested when the previous one is used up.
        :raises UnsupportedOperation: the provider cannot list passes; raised at the call.
        :raises ValidationError: a malformed filter, or one the vendor cannot apply; nothing
            sent.
        :raises ProviderUnavailable: no answer, a 5xx, a timeout or the ``deadline`` passed
            (``outcome_unknown`` where the request may have taken effect).
        :raises WalletPassError: the other request errors: ``AuthenticationError`` (401),
            ``PermissionDenied`` (403), ``RateLimited``, ``QuotaExceeded``, ``InvalidResponse``
            (an unreadable answer), ``RedirectNotFollowed``, ``ConfigurationError``.
        """
        with self._guard("list"):
            self.require(Capability.LIST)
            filters = self._list_filters(template, status, page_size, extra)
        return self._guarded_iter("list", map(self.present, self.execute_list(filters)))

    def create_many(
        self,
        passes: Iterable[Pass | Mapping[str, Any] | WalletPassError],
        *,
        concurrency: int | None = None,
        journal: str | os.PathLike[str] | Journal | None = None,
        on_progress: Callable[[BulkProgress], None] | None = None,
        on_item: Callable[[BulkItem], None] | None = None,
        keep_items: bool = True,
    ) -> BulkResult:
        """Issue many passes; one outcome per input, in input order, never aborting half-way.

        ``journal`` (a file path) makes the run resumable without duplicates: see
        :mod:`walletpass.journal`; a :class:`~walletpass.pgjournal.PostgresJournal` shares the run
        with other workers. ``on_item`` receives each outcome in input order as it is
        settled; with ``keep_items=False`` the result keeps counts only (constant memory).
        An item may also be a ``WalletPassError`` saying why an input record could not become a
        pass (see :mod:`walletpass.rows`): it is reported as that item's failure, so positions
        stay aligned with the input.

        :param passes: an iterable of passes (or mappings), read lazily.
        :param concurrency: requests in flight at once (default: the ``concurrency`` setting);
            the provider's rate limit still applies.
        :param journal: a file path or a ``Journal``: what was settled is recorded, and a rerun
            with the same journal skips it.
        :param on_progress: called with a ``BulkProgress`` as items settle.
        :param on_item: called with each ``BulkItem`` in input order.
        :param keep_items: ``False`` keeps counts only (constant memory).
        :returns: a ``BulkResult``: ``items`` (one ``BulkItem`` per input, in order: ``issued``
            or ``error`` — a ``WalletPassError`` of the kinds :meth:`create` raises, with
            ``outcome_unknown`` where the vendor may have issued it — or ``skipped``) and the
            counts ``total``, ``succeeded``, ``failed``, ``skipped``. A failed item never stops
            the run.
        :raises UnsupportedOperation: the provider cannot create passes in bulk.
        :raises ValidationError: ``passes`` is not an iterable of passes.
        :raises ValidationError: ``concurrency`` is not a positive integer, or ``journal`` is
            neither a path nor a journal.
        :raises JournalInUse: another run holds the journal file.
        :raises JournalError: the journal cannot be read or written; the run stops, and the
            error names the items not attempted (``not_attempted``) and carries the
            ``BulkResult`` so far (``result``).
        :raises ConfigurationError: no ``base_url`` or credentials.
        """
        from walletpass.bulk import run_create_many

        with self._guard("create_many"):
            self.require(Capability.CREATE_MANY)
            self.require(Capability.CREATE)
            if isinstance(passes, str | bytes | Mapping | Pass) or not isinstance(passes, Iterable):
                raise ValidationError.from_problems(
                    [FieldProblem("passes", "must be an iterable of passes, e.g. a list")]
                )
            return run_create_many(
                self,
                passes,
                concurrency=concurrency or self.settings.concurrency,
                on_progress=on_progress,
                journal=Path(journal) if isinstance(journal, os.PathLike) else journal,
                on_item=on_item,
                keep_items=keep_items,
            )

    # ------------------------------------------------------------------------------------
    # Pipeline steps
    # ------------------------------------------------------------------------------------

    def prepare_create(self, new_pass: Pass | Mapping[str, Any]) -> Pass:
        """Every check of ``create`` short of sending: the pass the build hook will see."""
        return self._prepare_create(new_pass)[0]

    def _prepare_create(self, new_pass: Pass | Mapping[str, Any]) -> tuple[Pass, TemplateMapping]:
        self.require(Capability.CREATE)
        checked = self._coerce(new_pass, Pass, "pass")
        mapping = self.template_mapping(checked.template)
        checked = self._to_vendor(checked, mapping, "create")
        checked = apply_template_facts(
            checked,
            mapping.alias,
            template=checked.template,
            fixed=self.template_fixed,
            provider=self.label,
        )
        checked = self._check_extra_keys(checked, "create")
        used = features_in_use(checked)
        checked = self._check_features(checked, used, "create")
        self._check_limits(used, self.validate_pass(checked), "create")
        return checked, mapping

    def prepare_update(
        self, pass_id: str, change: PassUpdate | Mapping[str, Any]
    ) -> tuple[str, PassUpdate]:
        """Every check of ``update`` short of sending: the id and the change the hook will see."""
        checked_id, checked, _ = self._prepare_update(pass_id, change)
        return checked_id, checked

    def _prepare_update(
        self, pass_id: str, change: PassUpdate | Mapping[str, Any]
    ) -> tuple[str, PassUpdate, TemplateMapping | None]:
        self.require(Capability.UPDATE)
        checked_id = self._check_id(pass_id)
        checked = self._coerce(change, PassUpdate, "change")
        if checked.is_empty():
            raise ValidationError.from_problems(
                [FieldProblem("change", "the update changes nothing")], provider=self.label
            )
        mapping = self._update_mapping(checked_id, checked)
        if mapping is not None:
            checked = self._to_vendor(checked, mapping, "update")
        checked = apply_template_facts(
            checked,
            mapping.alias if mapping is not None else None,
            template=self.template_of(checked_id),
            fixed=self.template_fixed,
            provider=self.label,
        )
        checked = self._with_change_message(checked)
        checked = self._check_extra_keys(checked, "update")
        used = features_in_use(checked)
        checked = self._check_features(checked, used, "update")
        self._check_limits(used, self.validate_update(checked), "update")
        return checked_id, checked, mapping

    def _present_written(self, issued: IssuedPass, mapping: TemplateMapping | None) -> IssuedPass:
        """``present`` for the answer to a write: the change was made, so a value we cannot
        read back makes the outcome unknown rather than failed."""
        try:
            return self.present(issued, mapping)
        except InvalidResponse as exc:
            exc.outcome_unknown = True
            raise

    def require(self, operation: Capability | str) -> None:
        """Raise ``UnsupportedOperation`` unless ``operation`` is declared NATIVE or EMULATED."""
        declaration = self.capabilities[operation]
        if declaration.support is Support.NONE:
            op = str(operation)
            raise UnsupportedOperation(
                f"{self.label} does not support {op}: {declaration.note}",
                provider=self.label,
                operation=op,
                alternative=declaration.note,
            )

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

    def _check_id(self, pass_id: Any) -> str:
        if not isinstance(pass_id, str) or not _ID_PATTERN.match(pass_id):
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

    def _list_filters(self, template: Any, status: Any, page_size: Any, extra: Any) -> ListFilters:
        problems = []
        if template is not None and (
            not isinstance(template, str) or not template or not _is_unicode(template)
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
        return ListFilters(
            template=alias.id if alias else template,
            status=status,
            page_size=page_size,
            extra=dict(extra or {}),
        )

    def _to_vendor(self, content: _C, mapping: TemplateMapping, operation: str) -> _C:
        """Apply the template mapping, refusing attributes the vendor has nowhere to keep."""
        homeless = sorted(
            a
            for a in self.field_held_attributes
            if a not in mapping.attributes and attribute_value(content, a) is not None
        )
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

    def _update_mapping(self, pass_id: str, change: PassUpdate) -> TemplateMapping | None:
        """The template mapping an update goes through; ``None`` when nothing would change.

        Learning the template may cost one read of the pass from the vendor, only where the id
        does not tell the template and an alias or attribute could change this update.
        """
        touches = change.fields is not None or change.holder is not None
        relevant = [
            a
            for a in self.settings.templates.values()
            if a.fields or a.attributes or a.balance_field
        ]
        defaults = {k: v for k, v in self.default_attribute_fields().items() if v}
        if not touches or not (relevant or defaults):
            return None
        if not relevant:
            return TemplateMapping(None, None, defaults)
        template = self.template_of(pass_id)
        if template is None:
            # The id does not say which template the pass uses, and an alias would rename
            # these fields: ask the vendor rather than send the neutral names unrenamed.
            template = self._template_from_vendor(pass_id)
        return self.mapping_for_vendor_template(template)

    def _with_change_message(self, change: PassUpdate) -> PassUpdate:
        """Resolve ``%@`` in ``message`` for vendors that send it as free text."""
        if not self.free_text_messages:
            return change
        return substitute_placeholder(change, provider=self.label)

    def _template_from_vendor(self, pass_id: str) -> str | None:
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
        return self.execute_get(pass_id).template

    def _check_features(self, content: _C, used: Mapping[Capability, int], operation: str) -> _C:
        unsupported = sorted(
            (cap for cap in used if self.capabilities[cap].support is Support.NONE),
            key=lambda c: c.value,
        )
        if not unsupported:
            return content
        refused = [c for c in unsupported if self.strict or c in NEVER_LENIENT]
        if refused:
            described = "; ".join(f"{c.value} ({self.capabilities[c].note})" for c in refused)
            raise UnsupportedFeature(
                f"{self.label} cannot carry: {described}",
                features=[c.value for c in refused],
                provider=self.label,
                operation=operation,
            )
        fallback = None
        if content.barcode is not None and Capability(
            f"barcode.{content.barcode.format.value}"
        ) in set(unsupported):
            fallback = barcode_fallback(content.barcode, self.capabilities.supports)
        for cap in unsupported:
            self._warn_once(cap, _dropped_part(cap, content, fallback))
        return strip_features(content, set(unsupported), barcode_format=fallback)

    def _check_extra_keys(self, content: _C, operation: str) -> _C:
        """The one ``extra`` rule: undocumented keys are typos (strict: refused; lenient: the
        key alone is dropped, with a warning naming it)."""
        documented = (self.extra_keys or {}).get(operation)
        unknown = undocumented_extra_keys(content.extra, documented or ())
        if documented is None or not unknown:
            return content
        if self.strict:
            raise ValidationError.from_problems(
                [unknown_key_problem(key, documented) for key in unknown],
                provider=self.label,
                operation=operation,
            )
        for key in unknown:
            warnings.warn(
                f"{self.label} documents no request key {key!r}: extra.{key} was dropped "
                "(lenient mode)",
                UnsupportedFeatureWarning,
                stacklevel=5,
            )
        kept = {k: v for k, v in (content.extra or {}).items() if k not in unknown}
        if isinstance(content, PassUpdate):
            data = {k: getattr(content, k) for k in content.model_fields_set}
            if kept:
                data["extra"] = kept
            else:
                data.pop("extra", None)
            return PassUpdate.model_construct(_fields_set=set(data), **data)
        return content.model_copy(update={"extra": kept or None})

    def _warn_once(self, cap: Capability, dropped: str | None = None) -> None:
        what = dropped or f"{cap.value!r}; it was dropped"
        with self._warned_lock:
            if what in self._warned:
                return
            self._warned.add(what)
        warnings.warn(
            f"{self.label} cannot carry {what} (lenient mode): {self.capabilities[cap].note}",
            UnsupportedFeatureWarning,
            stacklevel=5,
        )

    def _check_limits(
        self,
        used: Mapping[Capability, int],
        vendor_problems: builtins.list[FieldProblem],
        operation: str,
    ) -> None:
        problems = list(vendor_problems)
        for cap, count in used.items():
            declaration = self.capabilities[cap]
            if declaration.support is Support.NONE:  # refused or dropped by _check_features
                continue
            limit = declaration.limit
            if limit is not None and count > limit:
                problems.append(
                    FieldProblem(
                        cap.value, f"{self.label} allows at most {limit} items, got {count} items"
                    )
                )
        if problems:
            raise ValidationError.from_problems(problems, provider=self.label, operation=operation)

    @contextlib.contextmanager
    def _guard(self, operation: str) -> Iterator[None]:
        """Let only walletpass errors out, each knowing the provider and operation."""
        try:
            yield
        except WalletPassError as exc:
            exc.with_context(provider=self.label, operation=operation)
            raise
        except Exception as exc:
            raise WalletPassError(
                f"unexpected {type(exc).__name__} in {self.label}.{operation}: {exc}",
                provider=self.label,
                operation=operation,
            ) from scrub_exception(exc)

    def _guarded_iter(self, operation: str, items: Iterator[IssuedPass]) -> Iterator[IssuedPass]:
        with self._guard(operation):
            yield from items


def _dropped_part(cap: Capability, content: Any, fallback: BarcodeFormat | None) -> str | None:
    """Exactly what lenient mode leaves out for ``cap``, when it is less than the whole field."""
    barcode = content.barcode
    if barcode is None or cap.value != f"barcode.{barcode.format.value}":
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


def _is_unicode(text: str) -> bool:
    """Whether ``text`` is valid Unicode (no lone surrogates), as the model requires of strings."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def neutral_redemption(result: Redemption, amount: Decimal | None) -> Redemption:
    """The one meaning of a successful redemption (see ``Provider.redeem``)."""
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


@functools.cache
def _package_distributions() -> Mapping[str, list[str]]:
    try:
        return metadata.packages_distributions()
    except Exception:  # a broken installed distribution must not break the User-Agent
        return {}


def _distribution_of(cls: type) -> tuple[str | None, str | None]:
    top = cls.__module__.split(".")[0]
    dists = _package_distributions().get(top) or []
    if not dists:
        return None, None
    name = dists[0]
    try:
        return name, metadata.version(name)
    except metadata.PackageNotFoundError:
        return name, None
