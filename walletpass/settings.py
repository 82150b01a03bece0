"""Settings every provider shares, and template aliases.

A provider subclasses :class:`ProviderSettings` to add its vendor's settings. Secrets are
``SecretStr`` so they never show in reprs; unknown settings are refused with the list of valid
ones, because a typo in a setting name should not silently fall back to a default.
"""

# No ``from __future__ import annotations``: pydantic would compile and evaluate every string
# annotation as it builds each settings class (start-up time); see walletpass.model.
import functools
import re
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

from walletpass.bounds import DEFAULT_MAX_ANSWER_BYTES
from walletpass.errors import ConfigurationError
from walletpass.messages import pattern, problems_from_pydantic
from walletpass.model import BarcodeFormat, PassKind
from walletpass.redaction import unfit_for_secret
from walletpass.suggest import did_you_mean

__all__ = [
    "ATTRIBUTE_NAMES",
    "PATH_SETTING",
    "AliasField",
    "BalanceAlias",
    "FieldType",
    "ProviderSettings",
    "TemplateAlias",
    "load_settings",
    "none_word",
    "path_setting_names",
    "secret_setting_names",
    "vendor_secret_names",
]

#: ``Field(json_schema_extra=PATH_SETTING)`` marks a setting that names a file or directory: a
#: relative value in a configuration file is taken relative to that file, not to the directory
#: the program happens to run in.
PATH_SETTING: dict[str, Any] = {"format": "path"}


class FieldType(StrEnum):
    """The type a template field's value has in the application (``type`` of an alias field)."""

    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"
    BOOL = "bool"
    DATE = "date"
    DATETIME = "datetime"


#: Neutral attributes a template alias can keep in one of the template's fields.
ATTRIBUTE_NAMES = ("external_id", "holder.name", "holder.email", "holder.phone")


class AliasField(BaseModel):
    """One logical field of a template alias: the vendor's key for it and, optionally, its type.

    Written in configuration either as the vendor key alone (``seat = "seat_no"``) or as a table
    (``points = { key = "stamps", type = "int" }``). With a ``type``, values are checked and
    normalised to that type before sending and read back as that type on every vendor.
    """

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    key: str = Field(
        min_length=1,
        max_length=128,
        pattern=pattern(r"^[^\s]+$", "must contain no spaces or other whitespace"),
    )
    type: FieldType | None = None


class BalanceAlias(BaseModel):
    """The logical field whose value is the pass's balance (``balance_field`` of a template alias).

    Written in configuration as the field's name alone (``balance_field = "points"``) or as a
    table (``balance_field = { name = "points", type = "int" }``). The application writes and
    reads the field under ``name``; walletpass sends it as the pass's balance
    (``Pass.balance``, where the vendor keeps balances: PassEntry's loyalty balance, LivePass's
    ``balance_amount``, Livepasses' ``currentPoints``...) and reads the balance back into it.
    """

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    name: str = Field(
        min_length=1,
        max_length=128,
        pattern=pattern(r"^[^\s]+$", "must contain no spaces or other whitespace"),
    )
    #: whole points (``int``) or an amount with decimals (``decimal``, the default)
    type: FieldType = FieldType.DECIMAL
    #: the balance's currency (an ISO 4217 code, or e.g. ``points``); none by default
    currency: str | None = Field(default=None, min_length=1, max_length=32)

    @field_validator("type")
    @classmethod
    def _a_number(cls, value: FieldType) -> FieldType:
        if value not in (FieldType.INT, FieldType.DECIMAL):
            raise ValueError("a balance is a number: int (whole points) or decimal")
        return value


class TemplateAlias(BaseModel):
    """How a logical template name maps to one vendor's template.

    ``fields`` maps the application's field names to the vendor template's keys (with an optional
    type); ``attributes`` keeps neutral attributes the vendor has no home for (``external_id``,
    ``holder.name``, ``holder.email``, ``holder.phone``) in one of the template's fields. Reads
    map everything back: see :mod:`walletpass.roundtrip`.
    """

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    #: logical field name -> the vendor template's field key (and type)
    fields: dict[str, AliasField] = Field(default_factory=dict)
    #: neutral attribute -> the vendor template field that holds it
    attributes: dict[str, str] = Field(default_factory=dict)
    #: the pass kind to use when the application leaves it generic
    kind: PassKind | None = None
    #: the barcode symbology the vendor template fixes (e.g. a Pass2U model's): a pass asking
    #: for another is refused, one leaving it out takes it (walletpass.template_facts)
    barcode_format: BarcodeFormat | None = None
    #: the logical field that is the pass's balance (walletpass.roundtrip)
    balance_field: BalanceAlias | None = None

    @field_validator("balance_field", mode="before")
    @classmethod
    def _shorthand_balance(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value

    @field_validator("fields", mode="before")
    @classmethod
    def _shorthand_fields(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        return {
            name: {"key": entry} if isinstance(entry, str) else entry
            for name, entry in value.items()
        }

    @field_validator("attributes")
    @classmethod
    def _known_attributes(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(ATTRIBUTE_NAMES))
        if unknown:
            raise ValueError(
                f"unknown attribute(s) {', '.join(unknown)}; valid: {', '.join(ATTRIBUTE_NAMES)}"
            )
        for name, key in value.items():
            if not key or any(c.isspace() for c in key):
                raise ValueError(f"attributes.{name} must name a template field (no spaces)")
        return value

    @model_validator(mode="after")
    def _one_owner_per_vendor_key(self) -> Self:
        owners: dict[str, list[str]] = {}
        for name, entry in self.fields.items():
            owners.setdefault(entry.key, []).append(f"fields.{name}")
        for name, key in self.attributes.items():
            owners.setdefault(key, []).append(f"attributes.{name}")
        if self.balance_field is not None and self.balance_field.name in self.fields:
            raise ValueError(
                f"field {self.balance_field.name!r} is the balance (balance_field), so it cannot "
                "also map to a template field: remove it from fields"
            )
        # A logical name that is also a template key the alias gives something else names two
        # things: written, it goes to one; read back, the other would answer under it.
        twice = []
        balance = self.balance_field.name if self.balance_field is not None else None
        if balance is not None and balance in owners:
            twice.append(
                f"{balance!r} is the balance and the template field of {owners[balance][0]}"
            )
        for name, entry in self.fields.items():
            held = [o for o in owners.get(name, ()) if o.startswith("attributes.")]
            if entry.key != name and held:
                twice.append(
                    f"{name!r} is fields.{name} (key {entry.key!r}) and the field of {held[0]}"
                )
        if twice:
            raise ValueError(
                "a name here names two things: " + "; ".join(twice) + ": rename one of them"
            )
        shared = {key: names for key, names in owners.items() if len(names) > 1}
        if shared:
            described = "; ".join(f"{key!r} by {', '.join(n)}" for key, n in sorted(shared.items()))
            raise ValueError(
                "each template field can hold one value, but these are claimed twice: " + described
            )
        return self

    def vendor_key(self, name: str) -> str:
        """The vendor template's key for logical field ``name`` (``name`` itself if unmapped)."""
        entry = self.fields.get(name)
        return entry.key if entry is not None else name

    def field_type(self, name: str) -> FieldType | None:
        entry = self.fields.get(name)
        return entry.type if entry is not None else None


class ProviderSettings(BaseModel):
    """Settings every provider accepts. Vendor settings classes add their own."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True, validate_default=True)

    api_key: SecretStr | None = None
    base_url: str | None = Field(default=None, description="override the vendor's API address")
    timeout: float = Field(default=30.0, gt=0, description="read timeout per attempt, seconds")
    connect_timeout: float = Field(default=5.0, gt=0, description="connect timeout, seconds")
    deadline: float | None = Field(default=90.0, gt=0, description="total time per call, seconds")
    max_retries: int = Field(default=2, ge=0, le=10)
    max_answer_size: int = Field(
        default=DEFAULT_MAX_ANSWER_BYTES,
        ge=1024,
        description=(
            "largest vendor answer accepted, in bytes after decompression (default 64 MiB, "
            "room for any .pkpass download); a larger one is an InvalidResponse"
        ),
    )
    strict: bool = Field(
        default=True,
        description="refuse fields the vendor cannot carry (False: drop them with a warning)",
    )
    rate_limit: float | None = Field(
        default=None,
        ge=0,
        description="client-side requests/second (None: the vendor's documented rate; 0: off)",
    )
    rate_limit_backend: SecretStr | None = Field(
        default=None,
        description=(
            "share the rate limit with every process using the same API key: a Redis URL, "
            "redis://[:password@]host:port/db (needs walletpass[redis]; default: this process only)"
        ),
    )
    rate_limit_workers: int | None = Field(
        default=None,
        ge=1,
        description=(
            "when the shared rate limiter is unreachable, each process sends at rate_limit / "
            "rate_limit_workers (default: fail closed, nothing is sent)"
        ),
    )
    concurrency: int = Field(default=8, ge=1, le=256, description="workers for create_many")
    templates: dict[str, TemplateAlias] = Field(default_factory=dict)
    app_info: str | None = Field(default=None, description="appended to the User-Agent")
    proxy: SecretStr | None = Field(
        default=None,
        description=(
            "HTTP(S) proxy for every request to the vendor, e.g. http://user:pass@proxy:3128 "
            "(default: HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment)"
        ),
    )
    ca_bundle: str | None = Field(
        default=None,
        json_schema_extra=PATH_SETTING,
        description=(
            "CA certificates (a file or directory) to verify the vendor's certificate with "
            "(default: REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE, else the bundled certifi store)"
        ),
    )

    @field_validator("*")
    @classmethod
    def _clean_secret(cls, value: Any, info: ValidationInfo) -> Any:
        """Every secret setting, this class's or a vendor subclass's: no whitespace or control
        characters (the message names the setting; pydantic prefixes its name, never the value)."""
        if isinstance(value, SecretStr):
            problem = unfit_for_secret(value.get_secret_value())
            if problem:
                raise ValueError(problem)
        return value

    @field_validator("base_url")
    @classmethod
    def _unambiguous_base_url(cls, value: str | None) -> str | None:
        # The HTTPS rule too, here: connect() and `walletpass config check` refuse a key bound for
        # plain http:// before anything else, rather than the first call after start-up.
        if value is not None:
            from walletpass.urls import UrlError, parse_url, require_https  # when a URL is set

            try:
                require_https(parse_url(value, base=True))
            except UrlError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("rate_limit_backend")
    @classmethod
    def _readable_backend(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from walletpass.ratelimit import check_backend_url  # loaded when a backend is set

            try:
                check_backend_url(value.get_secret_value())
            except ConfigurationError as exc:
                raise ValueError(exc.message) from None
        return value

    @field_validator("ca_bundle")
    @classmethod
    def _existing_ca_bundle(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                found = Path(value).exists()
            except (OSError, ValueError):  # a name too long, or with a NUL, names no file
                found = False
            if not found:
                raise ValueError(f"no such file or directory: {value}")
        return value

    @field_validator("proxy")
    @classmethod
    def _proxy_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from walletpass.urls import UrlError, parse_url

            try:
                parse_url(value.get_secret_value(), proxy=True)
            except UrlError as exc:
                # The URL may carry a password: say what is wrong, never echo it.
                raise ValueError(
                    f"{exc}; expected a URL like http://[user:password@]host:port"
                ) from None
        return value

    @field_validator("templates", mode="before")
    @classmethod
    def _shorthand_alias(cls, value: Any) -> Any:
        """Accept ``{"vip": "1919"}`` as shorthand and numeric ids from TOML."""
        if not isinstance(value, Mapping):
            return value
        fixed: dict[str, Any] = {}
        for key, alias in value.items():
            if isinstance(alias, str | int) and not isinstance(alias, bool):
                fixed[key] = {"id": str(alias)}
            elif isinstance(alias, Mapping) and isinstance(alias.get("id"), int):
                fixed[key] = {**alias, "id": str(alias["id"])}
            else:
                fixed[key] = alias
        return fixed

    @field_validator("templates")
    @classmethod
    def _one_alias_per_vendor_template(
        cls, value: dict[str, TemplateAlias]
    ) -> dict[str, TemplateAlias]:
        """Refuse two logical names for one vendor template, and a logical name that is another
        alias's vendor template id.

        A read learns the pass's vendor template from the vendor's answer and names it by its
        alias: with two aliases on one vendor template the vendor's answer cannot say which one
        the pass was created through (their fields, kinds and balances may differ), so one of
        them would read back under the other's name, kind and fields. A logical name spelled
        like another alias's vendor id would make that vendor template unreachable by its own
        id and read back under a name that writes to a different template.
        """
        owners: dict[str, list[str]] = {}
        for logical, alias in value.items():
            owners.setdefault(alias.id, []).append(logical)
        problems = [
            f"aliases {' and '.join(map(repr, names))} both name vendor template {vendor!r}: "
            "a read cannot tell which one a pass was created through; keep one alias per "
            "vendor template"
            for vendor, names in owners.items()
            if len(names) > 1
        ]
        problems.extend(
            f"alias {logical!r} is spelled like the vendor template id of alias "
            f"{owners[logical][0]!r} but names vendor template {alias.id!r}: rename one of them"
            for logical, alias in value.items()
            if logical in owners and alias.id != logical
        )
        if problems:
            raise ValueError("; ".join(problems))
        return value


def none_word(value: Any) -> Any:
    """``None`` for the text ``"none"`` (any case), else ``value`` unchanged.

    TOML and environment variables have no null: an optional setting that accepts ``None`` takes
    this as a ``mode="before"`` validator so ``"none"`` can be written there.
    """
    if isinstance(value, str) and value.strip().lower() == "none":
        return None
    return value


def secret_setting_names(settings_cls: type[ProviderSettings]) -> frozenset[str]:
    """Names of the settings that hold secrets (typed ``SecretStr``)."""
    names = set()
    for name, info in settings_cls.model_fields.items():
        if "SecretStr" in repr(info.annotation):
            names.add(name)
    return frozenset(names)


#: Secret settings that hold an address with its password (a proxy, a Redis URL): the modules
#: that use them register the password in each of its forms, not the whole address.
_ADDRESS_SECRETS = frozenset({"proxy", "rate_limit_backend"})


@functools.cache
def vendor_secret_names(settings_cls: type[ProviderSettings]) -> frozenset[str]:
    """The secret settings (typed ``SecretStr``) whose whole value is a credential: ``api_key``
    and those a provider's settings class adds (a signing secret, a client secret). Each is
    registered with :func:`walletpass.redaction.register_secret` when a provider is made."""
    return secret_setting_names(settings_cls) - _ADDRESS_SECRETS


def path_setting_names(settings_cls: type[ProviderSettings]) -> frozenset[str]:
    """Names of the settings declared with :data:`PATH_SETTING` (files and directories)."""
    return frozenset(
        name
        for name, info in settings_cls.model_fields.items()
        if isinstance(info.json_schema_extra, Mapping)
        and info.json_schema_extra.get("format") == PATH_SETTING["format"]
    )


def load_settings(
    settings_cls: type[ProviderSettings], values: Mapping[str, Any], *, provider: str
) -> ProviderSettings:
    """Validate settings, turning every problem into one ``ConfigurationError`` naming them all."""
    valid = sorted(settings_cls.model_fields)
    unknown = sorted(set(values) - set(valid))
    if unknown:
        described = ", ".join(
            f"{name} ({hint})" if (hint := did_you_mean(name, valid)) else name for name in unknown
        )
        raise ConfigurationError(
            f"unknown setting(s) {described} for provider {provider!r}; "
            f"valid settings: {', '.join(valid)}",
            provider=provider,
        )
    try:
        return settings_cls.model_validate(dict(values))
    except PydanticValidationError as exc:
        found = problems_from_pydantic(exc, model=settings_cls, with_input=False)
        missing = [p.location for p in found if p.message == "is required"]
        problems = [f"{p.location}: {p.message}" for p in found if p.message != "is required"]
        parts = []
        if missing:
            prefix = "WALLETPASS_" + re.sub(r"[^A-Za-z0-9]", "_", provider).upper() + "_"
            env_hint = ", ".join(f"{prefix}{m.upper()}" for m in missing)
            parts.append(f"missing setting(s) {', '.join(missing)} (e.g. set {env_hint})")
        if problems:
            parts.append("invalid setting(s): " + "; ".join(problems))
        # Only a missing setting makes the list of names help: an invalid value names a setting
        # that exists, and 20 names after it pushed the fix out of sight.
        tail = f"; valid settings: {', '.join(valid)}" if missing else ""
        failure = ConfigurationError(
            f"provider {provider!r}: " + "; ".join(parts) + tail,
            provider=provider,
            details={
                "missing": missing,
                "invalid": [p.location for p in found if p.location not in missing],
            },
        )
    # Raised outside the handler: pydantic's error quotes the input (a secret, perhaps), and
    # even ``from None`` would leave it reachable as ``__context__``.
    raise failure
