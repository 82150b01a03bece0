"""The provider contract: what a provider declares and the hooks it implements.

:class:`ProviderContract` holds the class data a provider declares (name, settings model,
capabilities, error table, vendor behaviour...), its settings and lifecycle, and the hooks with
their defaults: ``build_<op>`` turns neutral input into a :class:`VendorRequest`, ``parse_<op>``
turns a :class:`VendorResponse` into neutral output. :class:`walletpass.Provider` adds the pipeline
that runs them (:mod:`walletpass.preparation`, :mod:`walletpass.driver`) and the public methods.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from decimal import Decimal
from types import MappingProxyType
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Generic,
    Literal,
    NamedTuple,
    cast,
    get_args,
    get_origin,
)

from walletpass.attribute_homes import check_attribute_homes
from walletpass.behaviour import VendorBehaviour
from walletpass.capabilities import Capabilities, Capability, Support
from walletpass.errors import (
    ConfigurationError,
    FieldProblem,
    UnsupportedFeatureWarning,
    UnsupportedOperation,
    WalletPassError,
)
from walletpass.event_contract import EventOperations
from walletpass.model import (
    IssuedPass,
    Pass,
    PassKind,
    PassStatus,
    PassUpdate,
)
from walletpass.redaction import raise_scrubbed, register_secret
from walletpass.request_ids import DEFAULT_REQUEST_ID_HEADERS
from walletpass.settings import ProviderSettings, load_settings, vendor_secret_names
from walletpass.vendor_operations import declared_operations

#: Bound once: on CPython 3.11 an enum member read through its class runs Python code (enum's
#: member descriptor), about a thousand instructions on every call that checks a declaration.
_NONE = Support.NONE

__all__ = [
    "PROVIDER_API_VERSION",
    "SUPPORTED_PROVIDER_API_VERSIONS",
    "ListFilters",
    "Page",
    "ProviderContract",
    "SettingsT",
]

if TYPE_CHECKING:
    from typing_extensions import TypeVar

    # The HTTP side loads with the first transport or error answer (below), not with the
    # contract: the fake never sends, and importing it all costs the fake's first create.
    from walletpass.error_mapping import ErrorInfo, ErrorRule
    from walletpass.results import Redemption
    from walletpass.transport import Transport, VendorRequest, VendorResponse

    #: The settings model a provider class takes: ``Provider[Pass2USettings]``; a bare
    #: ``Provider`` means ``Provider[ProviderSettings]``.
    SettingsT = TypeVar("SettingsT", bound=ProviderSettings, default=ProviderSettings)
else:
    # A TypeVar default is for the type checker; at run time the plain TypeVar does the job.
    from typing import TypeVar

    SettingsT = TypeVar("SettingsT", bound=ProviderSettings)

_I = TypeVar("_I")

#: Bumped when the provider contract changes; plugins state the version they target. Version 2:
#: multi-request operations are plans (``plan_<op>``, :mod:`walletpass.plans`).
PROVIDER_API_VERSION = 2
#: The versions a provider may declare: a version 1 provider (``execute_<op>`` overrides that
#: send by themselves) still runs on the sync API.
SUPPORTED_PROVIDER_API_VERSIONS = frozenset({1, 2})


class ListFilters(NamedTuple):
    """Neutral filters for ``list()``; providers translate the ones their vendor understands."""

    template: str | None = None
    status: PassStatus | None = None
    page_size: int | None = None
    extra: Mapping[str, Any] = MappingProxyType({})


class Page(NamedTuple):
    """One page of a listing and the request for the next one (``None`` at the end)."""

    items: Sequence[IssuedPass]
    next: VendorRequest | None = None


class ProviderContract(EventOperations, Generic[SettingsT]):
    """What every provider declares and implements; :class:`walletpass.Provider` runs it.

    Generic in its settings model: ``class AcmeProvider(Provider[AcmeSettings])`` makes
    ``self.settings`` an ``AcmeSettings`` for the type checker and, unless the class declares
    ``Settings`` itself, sets ``Settings = AcmeSettings``.
    """

    #: Registered name, e.g. ``"pass2u"``.
    name: ClassVar[str] = ""
    #: The settings model; subclass ``ProviderSettings`` to add vendor settings. Taken from the
    #: class's type argument (``Provider[AcmeSettings]``) unless declared.
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

    #: This instance's settings, validated by ``Settings``.
    settings: SettingsT

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        retired = sorted(_RETIRED_HOOKS & set(vars(cls)))
        if retired:
            # Refused rather than ignored: a vendor rule that silently stopped running would let
            # passes through that the vendor refuses.
            raise TypeError(
                f"{cls.__name__} defines {', '.join(retired)}: vendor rules now live in "
                "check(request, subject), which sees the request build_create/build_update made"
            )
        _register_operations(cls)
        declared = _settings_argument(cls)
        if declared is None:
            return
        if "Settings" not in vars(cls):
            cls.Settings = declared
        elif not issubclass(cls.Settings, declared):
            raise TypeError(
                f"{cls.__name__}.Settings ({cls.Settings.__name__}) is not the settings model "
                f"its type argument names ({declared.__name__})"
            )

    def __init__(
        self, settings: ProviderSettings | Mapping[str, Any] | None = None, /, **values: Any
    ) -> None:
        if not self.name:
            raise ConfigurationError(f"{type(self).__name__} does not declare a provider name")
        if isinstance(settings, ProviderSettings):
            if values:
                settings = settings.model_copy(update=values)
            loaded = (
                load_settings(
                    self.Settings, settings.model_dump(exclude_unset=True), provider=self.name
                )
                if not isinstance(settings, self.Settings)
                else settings
            )
        else:
            merged = {**dict(settings or {}), **values}
            loaded = load_settings(self.Settings, merged, provider=self.name)
        # ``Settings`` is the model of the class's type argument (checked by __init_subclass__).
        self.settings = cast("SettingsT", loaded)
        # A secret setting is masked wherever its value appears from now on, not only once a
        # transport sends it in a credential header: a plugin's signing secret, quoted by its
        # own error text or a hook's exception, reached messages and reprs unmasked.
        for name in vendor_secret_names(type(loaded)):
            register_secret(getattr(loaded, name))
        self._transport: Transport | None = None
        self._transport_lock = threading.Lock()
        self._warned: set[tuple[str, str]] = set()
        self._warned_lock = threading.Lock()
        if self.settings.base_url is None and self.default_base_url is not None:
            # A plugin's declared address meets the rule its base_url setting met when read.
            from walletpass.urls import UrlError, parse_url, require_https

            try:
                require_https(parse_url(self.default_base_url, base=True))
            except UrlError as exc:
                raise ConfigurationError(
                    f"{type(self).__name__}.default_base_url {exc} (or set base_url)",
                    provider=self.name,
                ) from None
        # An alias attribute this provider will never honour is a mistake in the configuration.
        check_attribute_homes(self)

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

    def make_transport(self) -> Transport:
        """The HTTP transport this provider sends through (see :func:`build_transport`)."""
        from walletpass.transport_setup import build_transport

        return build_transport(
            provider=self.name,
            settings=self.settings,
            default_base_url=self.default_base_url,
            default_rate_limit=self.default_rate_limit,
            rate_limit_burst=self.rate_limit_burst,
            auth_headers=self.auth_headers(),
            default_headers=self.default_headers(),
            user_agent=self.user_agent(),
            retry_after=self.retry_after,
            request_id_headers=self.request_id_headers,
        )

    def user_agent(self) -> str:
        from walletpass.transport_setup import user_agent_for

        return user_agent_for(type(self), self.settings.app_info)

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
        """The configured API key, for :meth:`auth_headers`.

        :returns: the ``api_key`` setting's text.
        :raises ConfigurationError: none is configured (the message names the setting and its
            environment variable, ``WALLETPASS_<PROVIDER>_API_KEY``).
        """
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
        from walletpass.retry import parse_retry_after

        return parse_retry_after(headers.get("retry-after"))

    def check(
        self, request: VendorRequest | None, subject: Pass | PassUpdate
    ) -> list[FieldProblem]:
        """The vendor's rules over a built request: one problem per broken rule, each naming the
        neutral field (``fields.seat``, ``holder.name``), not the vendor's key.

        Called once per ``create``/``update`` with the request ``build_create``/``build_update``
        made from ``subject`` (the pass or change after the template mapping), before anything
        is sent; the problems are raised together as one ``ValidationError``. ``request`` is
        ``None`` for an operation the provider sends as several requests (no one-request build
        hook: LivePass reads a pass before merging an update into it). An override whose rules
        depend on the pass an update changes (LivePass's ids name the pass's type) adds a
        keyword parameter ``pass_id: str | None = None``: the core then passes the checked id
        on update (the fake's profile, an id of :meth:`sample_pass_id` for the pass's
        template). The fake's profile of this vendor runs this same method on an instance with
        default settings. Pure.

        :param request: the request the build hook made from ``subject``, or ``None``.
        :param subject: the ``Pass`` or ``PassUpdate`` it was built from.
        :returns: the problems found, each a ``FieldProblem`` under a neutral field path;
            empty when the vendor would accept it (the core raises them together as one
            ``ValidationError`` before anything is sent).
        """
        return []

    def update_builds_after_read(self, pass_id: str, change: PassUpdate) -> bool:
        """Whether :meth:`build_update` of ``change`` needs what only a read of the pass tells
        (Livepasses: where a balance without a currency goes is the kind of the pass's template,
        which its ids do not name), so the body can be built once only after that read.

        Then the core checks the change before any request without a body
        (``check(None, change)``: every rule that does not depend on the read), hands
        ``plan_update`` no request, and ``plan_update`` reads what it needs and builds the body
        once with ``checked_update_request`` (the build, then :meth:`check` of the built body,
        before the write is sent). Default ``False``: the body is built and checked with the
        other checks. Pure; nothing is sent.

        :param pass_id: the checked id.
        :param change: the change after the template mapping.
        :returns: whether the build waits for a read.
        """
        return False

    def unsupported_here(
        self, subject: Pass | PassUpdate, pass_id: str | None
    ) -> Mapping[Capability, str]:
        """Features declared supported that *this* pass cannot carry: support that depends on
        the pass's kind or type, its template, or a value (a LivePass membership card has no
        location; a reservation has no balance).

        The core asks before building, for the features ``subject`` uses; strict mode refuses
        them (``UnsupportedFeature`` naming each feature and why), lenient mode drops exactly
        that part (the feature's smallest carrier, as for a feature declared NONE) with a
        warning naming it and why. The fake's profile of this vendor asks the vendor's
        provider, so the profile drops or refuses the same parts. Pure; nothing is sent.

        :param subject: the ``Pass`` or ``PassUpdate`` after the template mapping.
        :param pass_id: the id of the pass an update changes (of this vendor's shape: a
            profile passes :meth:`sample_pass_id`), ``None`` on create.
        :returns: each feature ``subject`` uses that this pass cannot carry, with why in the
            vendor's terms (cite the vendor's document); empty by default.
        """
        return {}

    @property
    def vendor_rules(self) -> ProviderContract[Any] | None:
        """The provider whose ``build_<op>`` and :meth:`check` vet a call before it is sent:
        this one; the fake wearing a vendor's profile answers that vendor's provider (which
        never sends), the plain fake ``None``."""
        return self

    def sample_pass_id(self, template: str | None) -> str:
        """A pass id of this vendor's shape for a pass of ``template`` (nothing is looked up):
        what the fake's profile of this vendor builds an update with, to run :meth:`check`.

        :param template: the pass's vendor template id, or ``None`` when unknown.
        :returns: an id :meth:`decode_id` accepts (default: ``"sample-pass"``).
        """
        return "sample-pass"

    def sample_pass_id_of_kind(self, template: str | None, kind: PassKind | None) -> str:
        """A pass id of this vendor's shape for a pass of ``template`` and ``kind``: what the
        fake's profile of this vendor vets an update with (it knows the stored pass's kind), so
        :meth:`build_update` and :meth:`check` run as after this provider's own read of the
        pass. A provider whose update body depends on the pass's kind (Livepasses: where a
        balance without a currency goes) overrides it with an id its build knows the kind of.

        :param template: the pass's vendor template id, or ``None`` when unknown.
        :param kind: the pass's kind, or ``None`` when unknown.
        :returns: an id of this vendor's shape (default: :meth:`sample_pass_id` of
            ``template``, so a provider overriding only that keeps working).
        """
        return self.sample_pass_id(template)

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
        from walletpass.error_mapping import common_error_info

        return common_error_info(response)

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
            Anything else (the vendor's JSON, the ``Pass`` given) is a provider bug: the call
            fails with a ``WalletPassError`` naming the type returned.
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
            for a use-up, ACTIVE after a spend). Anything else (an ``IssuedPass`` read from the
            vendor's pass answer) fails the call with a ``WalletPassError`` naming its type.
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

    #: Providers with a native batch endpoint set this and implement ``plan_create_batch``.
    native_batch_size: ClassVar[int | None] = None

    def require(self, operation: Capability | str) -> None:
        """Raise ``UnsupportedOperation`` unless ``operation`` is declared NATIVE or EMULATED."""
        capabilities = self.capabilities
        if operation in capabilities.available_keys():
            return  # (the common case: one set look-up, no declaration read)
        declaration = capabilities[operation]
        if declaration.support is _NONE:
            op = str(operation)
            raise UnsupportedOperation(
                f"{self.label} does not support {op}: {declaration.note}",
                provider=self.label,
                operation=op,
                alternative=declaration.note,
            )

    def _warn_once(
        self, cap: Capability, dropped: str | None = None, why: str | None = None
    ) -> None:
        if quiet_checks.active():
            return
        what = dropped or f"{cap.value!r}; it was dropped"
        why = why or self.capabilities[cap].note
        with self._warned_lock:
            if (what, why) in self._warned:
                return
            self._warned.add((what, why))
        warnings.warn(
            f"{self.label} cannot carry {what} (lenient mode): {why}",
            UnsupportedFeatureWarning,
            stacklevel=5,
        )

    def _own_names(self) -> tuple[str, ...]:
        """The names this provider's own parts put on errors: its name and, for the fake
        wearing a profile, its vendor's (whose rules vet its calls)."""
        rules = self.vendor_rules
        return (self.name,) if rules is None or rules is self else (self.name, rules.name)

    def _guard(self, operation: str) -> _Guard:
        """Let only walletpass errors out, each knowing the provider and operation."""
        return _Guard(self, operation)

    def _escaping(self, exc: Exception, operation: str) -> None:
        """What :meth:`_guard` does with ``exc``, raised in ``operation``: a walletpass error
        is made to name this provider and the operation (the caller re-raises it); any other is
        raised as a ``WalletPassError`` from its scrubbed stand-in. The public methods called
        on every request call this from an ``except`` clause (free until something is raised)
        rather than entering a guard block (three calls on every request)."""
        if isinstance(exc, WalletPassError):
            if exc.provider != self.label and exc.provider in self._own_names():
                # A profile's errors name the profile, whichever part raised them: the fake's
                # own (``fake``) or its vendor's rules (``pass2u``).
                exc.provider = self.label
            exc.with_context(provider=self.label, operation=operation)
            return
        raise_scrubbed(
            WalletPassError(
                f"unexpected {type(exc).__name__} in {self.label}.{operation}: {exc}",
                provider=self.label,
                operation=operation,
            ),
            exc,
        )

    def _guarded_iter(self, operation: str, items: Iterator[_I]) -> Iterator[_I]:
        with self._guard(operation):
            yield from items


class _Guard:
    """``ProviderContract._guard``'s block: a class, not a generator-based context manager
    (every public call enters one; the generator's machinery cost more than the rest of it)."""

    __slots__ = ("_operation", "_provider")

    def __init__(self, provider: ProviderContract[Any], operation: str) -> None:
        self._provider = provider
        self._operation = operation

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> Literal[False]:
        if isinstance(exc, Exception):
            self._provider._escaping(exc, self._operation)
        return False


class _QuietChecks:
    """Checks run to decide, not to report (an update vetted under each template it could
    belong to): lenient-mode warnings stay unsaid while active, in this thread or task only."""

    _active: ContextVar[bool] = ContextVar("walletpass_quiet_checks", default=False)

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        token = self._active.set(True)
        try:
            yield
        finally:
            self._active.reset(token)

    def active(self) -> bool:
        return self._active.get()


quiet_checks = _QuietChecks()

#: Hooks of an earlier contract whose job :meth:`ProviderContract.check` does now.
_RETIRED_HOOKS = frozenset({"validate_pass", "validate_update"})


def _register_operations(cls: type[ProviderContract[Any]]) -> None:
    """Add the vendor operations marked in ``cls`` and its bases (:func:`vendor_operation`) to
    its ``capabilities`` and ``extra_operations``: the mark is the one place a name is written."""
    operations = {
        op.name: op for klass in reversed(cls.__mro__) for op in declared_operations(vars(klass))
    }
    if not operations:
        return
    neutral = sorted(name for name in operations if name in _NEUTRAL)
    if neutral:
        raise TypeError(
            f"{cls.__name__}: {', '.join(neutral)} is a neutral capability, not a vendor operation"
        )
    cls.capabilities = cls.capabilities.merged(
        {name: op.declaration for name, op in operations.items()}
    )
    cls.extra_operations = tuple(dict.fromkeys((*cls.extra_operations, *operations)))


_NEUTRAL = frozenset(c.value for c in Capability)


def _settings_argument(cls: type) -> type[ProviderSettings] | None:
    """The settings model named by ``cls``'s own generic base (``Provider[AcmeSettings]``)."""
    for base in vars(cls).get("__orig_bases__", ()):
        origin = get_origin(base)
        if isinstance(origin, type) and issubclass(origin, ProviderContract):
            for argument in get_args(base):
                if isinstance(argument, type) and issubclass(argument, ProviderSettings):
                    return argument
    return None
