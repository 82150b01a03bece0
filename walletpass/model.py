"""The provider-neutral pass model.

These classes describe a wallet pass the way an application thinks about it, not the way any vendor
stores it. Every rule that holds for *all* vendors (aware datetimes, coordinate ranges, at most ten
locations, 16-bit beacon numbers, colour syntax) is declared here, so bad input is refused before a
provider even looks at it. Rules that belong to one vendor (lengths, radius ranges, image sizes)
live in that vendor's ``limits`` module.
"""

# No ``from __future__ import annotations``: pydantic would compile and evaluate every string
# annotation as it builds each model class at import (about 10 M instructions at start-up), so
# annotations are evaluated by Python; one naming a class not yet defined is quoted.
import functools
import json
import re
import unicodedata
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self, cast
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from walletpass.barcodes import LARGEST_MESSAGE, barcode_problem
from walletpass.errors import FieldProblem, ValidationError
from walletpass.messages import describe, pattern, problems_from_pydantic
from walletpass.nfc import MAX_MESSAGE_BYTES as MAX_NFC_MESSAGE_BYTES
from walletpass.nfc import normalized_key, public_key_problem
from walletpass.redaction import redact_text
from walletpass.values import check_wire_value, text_problem

if TYPE_CHECKING:
    from walletpass.results import BulkItem, BulkResult, Redemption

__all__ = [
    "Balance",
    "Barcode",
    "BarcodeFormat",
    "Beacon",
    "BulkItem",
    "BulkResult",
    "Color",
    "Colors",
    "Event",
    "FieldValue",
    "Holder",
    "ImageRef",
    "ImageRole",
    "IssuedPass",
    "Location",
    "Nfc",
    "Pass",
    "PassField",
    "PassKind",
    "PassStatus",
    "PassUpdate",
    "PassUrls",
    "Redemption",
]

MAX_LOCATIONS = 10
MAX_BEACONS = 10


def validation_error_from_pydantic(
    exc: PydanticValidationError, *, prefix: str = "", model: type[BaseModel] | None = None
) -> ValidationError:
    """Translate pydantic's report into walletpass's, one problem per field path, in words."""
    return ValidationError.from_problems(problems_from_pydantic(exc, model=model, prefix=prefix))


class NeutralModel(BaseModel):
    """Base of the public models: invalid input raises walletpass's ``ValidationError``."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    #: Content that is sent to vendors: every value is checked for what their JSON can carry
    #: (see :mod:`walletpass.values`), before conversion and again after it.
    _sent_to_vendors: ClassVar[bool] = False

    def __init__(self, /, **data: Any) -> None:
        if self._sent_to_vendors:
            check_wire_value(data, "")
        try:
            # What pydantic's ``__init__`` does (a model validator here returns the model
            # itself), without its frame and a second packing of the keywords: every pass,
            # every answer read and each of their parts is made here.
            self.__pydantic_validator__.validate_python(data, self_instance=self)
        except PydanticValidationError as exc:
            raise validation_error_from_pydantic(exc, model=type(self)) from None
        if self._sent_to_vendors:
            _check_what_validation_made(self, data)

    # Our __init__ only translates errors; tell pydantic it need not route validation through it.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    # A model can hold what a vendor answered (an IssuedPass's ``raw``, ``meta`` and fields): a
    # vendor that echoes a registered secret must not have it shown by the model's text
    # (logs, tracebacks, a REPL), as no other walletpass output shows one.
    def __repr__(self) -> str:
        return redact_text(super().__repr__())

    def __str__(self) -> str:
        return redact_text(super().__str__())

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        if cls._sent_to_vendors and isinstance(obj, Mapping | BaseModel):
            # Before pydantic sees it: a union member may try to expand a huge decimal to an int.
            check_wire_value(obj, "")
        try:
            if args or kwargs:
                validated = super().model_validate(obj, *args, **kwargs)
            else:
                # What pydantic's model_validate does with no options, without its frame: a
                # parse hook makes each answer's pass this way (one dict, one validation).
                validated = cls.__pydantic_validator__.validate_python(obj)
        except PydanticValidationError as exc:
            raise validation_error_from_pydantic(exc, model=cls) from None
        if cls._sent_to_vendors:
            # Text converted to numbers or dates by the model, mappings made models.
            given = obj if isinstance(obj, Mapping) else getattr(obj, "__dict__", {})
            _check_what_validation_made(validated, given)
        return validated

    @classmethod
    def model_validate_json(
        cls, json_data: str | bytes | bytearray, *args: Any, **kwargs: Any
    ) -> Self:
        try:
            validated = super().model_validate_json(json_data, *args, **kwargs)
        except PydanticValidationError as exc:
            raise validation_error_from_pydantic(exc, model=cls) from None
        if cls._sent_to_vendors:
            check_wire_value(validated, "")
        return validated

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with ``update``'s fields set (not validated), as pydantic's ``model_copy``.

        The shallow copy is made here in one step: the core presents every answer through a
        few copies (sent fields kept, logical names, unknown parts), and pydantic's general
        one (``copy.copy`` of each part, the ``extra="allow"`` branch) cost more than the rest
        of the presentation. None of these models allows extra keys or has private attributes.
        """
        if deep or self.__pydantic_extra__ is not None or self.__pydantic_private__ is not None:
            return super().model_copy(update=update, deep=deep)
        copied = _new_instance(type(self))
        if update:  # (merged in one step each: the copy and then an update cost 1-2 k more)
            _set_dict(copied, {**self.__dict__, **update})
            _set_fields_set(copied, self.__pydantic_fields_set__.union(update))
        else:
            _set_dict(copied, self.__dict__.copy())
            _set_fields_set(copied, set(self.__pydantic_fields_set__))
        _set_extra(copied, None)
        _set_private(copied, None)
        return copied

    # The pydantic mypy plugin's per-model one, made first in the import cycle with
    # walletpass.results (which extends this module's models; imported for types only).
    @classmethod  # type: ignore[no-redef]
    def model_construct(  # type: ignore[override]  # (the pydantic mypy plugin's per-model one)
        cls, _fields_set: set[str] | None = None, **values: Any
    ) -> Self:
        """An instance holding ``values`` unvalidated, as pydantic's ``model_construct`` makes
        it (the fields not given take their defaults; the fields set are those given).

        Made here in one step where the model's defaults are plain constants (every model a
        provider builds from an answer it has checked: a vendor's barcode, a holder as the
        vendor stores it): pydantic's general one looks at each field's aliases and default
        on every call, and cost more than the whole validation of the model.
        """
        steps = _construct_steps(cls)
        if steps is None or _fields_set is not None:
            return super().model_construct(_fields_set, **values)
        template, required = steps
        # The defaults in field order, the values given over them: a key more than the template
        # has is not a field (pydantic's general path decides what it does with it).
        made_values = template.copy()
        made_values.update(values)
        if len(made_values) != len(template):
            return super().model_construct(_fields_set, **values)
        for name in required:
            if name not in values:
                del made_values[name]  # (left out, as pydantic leaves a required field unset)
        made = _new_instance(cls)
        _set_dict(made, made_values)
        _set_fields_set(made, set(values))
        _set_extra(made, None)
        _set_private(made, None)
        return made


_NOT_GIVEN = object()
_new_instance = object.__new__
#: BaseModel's four slots, each set through its descriptor bound once (``object.__setattr__``
#: looks the descriptor up on every call).
_set_dict, _set_fields_set, _set_extra, _set_private = (
    BaseModel.__dict__[name].__set__
    for name in (
        "__dict__",
        "__pydantic_fields_set__",
        "__pydantic_extra__",
        "__pydantic_private__",
    )
)
_REQUIRED = object()
#: Per model: its fields in order with their defaults (``_REQUIRED`` where there is none) and the
#: names of the required ones, or ``None`` where pydantic's ``model_construct`` has more to do
#: (aliases, default factories, defaults it copies, extra or private attributes, a post-init).
_CONSTRUCT_STEPS: dict[type, tuple[dict[str, Any], tuple[str, ...]] | None] = {}
_CONSTANT_DEFAULTS = (str, int, float, bool, type(None))


def _construct_steps(cls: type[BaseModel]) -> tuple[dict[str, Any], tuple[str, ...]] | None:
    try:
        return _CONSTRUCT_STEPS[cls]
    except KeyError:
        pass
    steps: dict[str, Any] | None = {}
    if (
        cls.model_config.get("extra") == "allow"
        or cls.__private_attributes__
        or cls.__pydantic_post_init__
        or cls.__pydantic_root_model__
    ):
        steps = None
    for name, info in cls.model_fields.items():
        if steps is None:
            break
        if info.alias is not None or info.validation_alias is not None:
            steps = None
        elif info.is_required():
            steps[name] = _REQUIRED
        elif info.default_factory is None and (
            type(info.default) in _CONSTANT_DEFAULTS or isinstance(info.default, Enum)
        ):
            steps[name] = info.default
        else:
            steps = None
    made = None
    if steps is not None:
        made = steps, tuple(name for name, default in steps.items() if default is _REQUIRED)
    _CONSTRUCT_STEPS[cls] = made
    return made


def _check_what_validation_made(model: BaseModel, given: Mapping[str, Any]) -> None:
    """The wire check of the values validation converted or built (text read as a number or a
    date, a mapping made a model, a default): what it kept as given (the same object) passed
    the check of the input already, so each part is checked once."""
    made = {
        name: value
        for name, value in model.__dict__.items()
        if value is not None and value is not given.get(name, _NOT_GIVEN)
    }
    if made:
        check_wire_value(made, "")


class PassKind(StrEnum):
    """What the pass is for; vendors pick endpoints, styles and redemption rules from it."""

    GENERIC = "generic"
    EVENT_TICKET = "event_ticket"
    LOYALTY = "loyalty"
    COUPON = "coupon"
    MEMBERSHIP = "membership"
    RESERVATION = "reservation"
    APPOINTMENT = "appointment"
    GIFT_CARD = "gift_card"
    BOARDING_PASS = "boarding_pass"


class PassStatus(StrEnum):
    """Where a pass is in its life, as far as the vendor lets us know."""

    ISSUED = "issued"
    INSTALLED = "installed"
    ACTIVE = "active"
    REDEEMED = "redeemed"
    VOIDED = "voided"
    EXPIRED = "expired"
    DELETED = "deleted"
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        """Whether the pass can no longer be redeemed."""
        return self in {
            PassStatus.REDEEMED,
            PassStatus.VOIDED,
            PassStatus.EXPIRED,
            PassStatus.DELETED,
        }


class BarcodeFormat(StrEnum):
    QR = "qr"
    PDF417 = "pdf417"
    AZTEC = "aztec"
    CODE128 = "code128"


class ImageRole(StrEnum):
    """Where an image appears on the pass (Apple's image names; Google maps them to its own)."""

    ICON = "icon"
    LOGO = "logo"
    STRIP = "strip"
    BACKGROUND = "background"
    THUMBNAIL = "thumbnail"
    FOOTER = "footer"
    HERO = "hero"


# --------------------------------------------------------------------------------------------
# Scalar helpers
# --------------------------------------------------------------------------------------------


def _require_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError("datetime must be timezone-aware (add a tzinfo such as UTC)")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_require_aware)]


#: Control, format, surrogate and line/paragraph separator characters (not unassigned ones,
#: which a newer Unicode may assign).
_UNSHOWABLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _plain_id(value: str) -> str:
    # A pass id comes from the vendor's answer and goes to results files, terminals, journals
    # and URLs: a control or format character (a terminal escape, a bidi override) or a lone
    # surrogate (not Unicode: it cannot be written as UTF-8) is a hostile or broken answer.
    if not value:
        raise ValueError("a pass id must not be empty")
    if value.isascii() and value.isprintable():
        return value  # (the common case: no ASCII character but the controls is unshowable)
    bad = next((char for char in value if unicodedata.category(char) in _UNSHOWABLE), None)
    if bad is not None:
        raise ValueError(f"a pass id must be printable text; it has the character U+{ord(bad):04X}")
    return value


#: A pass id as a vendor reports it (see :func:`_plain_id`).
PassId = Annotated[str, AfterValidator(_plain_id)]


def _color_error(message: str) -> ValidationError:
    return ValidationError.from_problems([FieldProblem("color", message)])


# Patterns are compiled by ``re`` at their first use (and cached there), not at import: start-up
# pays only for those a run uses.
_HEX = r"^#?([0-9a-fA-F]{6})$"
_RGB = r"(?i)^rgb\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\)$"


#: The same two spellings for JSON Schema, which has no case-insensitive flag.
_COLOR_PATTERN = (
    r"^\s*(#?[0-9a-fA-F]{6}"
    r"|[rR][gG][bB]\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\))\s*$"
)


class Color:
    """An sRGB colour, written by users as ``#RRGGBB`` or ``rgb(r, g, b)``.

    Vendors want different spellings (Pass2U ``rgb(...)``, PassEntry hex), so the model stores the
    numbers and each provider renders the form its vendor expects.
    """

    __slots__ = ("blue", "green", "red")

    def __init__(self, red: int, green: int, blue: int) -> None:
        for name, component in (("red", red), ("green", green), ("blue", blue)):
            if isinstance(component, bool) or not isinstance(component, int):
                raise _color_error(f"colour component {name} must be an integer")
            if not 0 <= component <= 255:
                raise _color_error(f"colour component {name}={component} is outside 0..255")
        self.red, self.green, self.blue = red, green, blue

    @classmethod
    def parse(cls, text: str) -> "Color":
        if not isinstance(text, str):
            raise _color_error("colour must be a string '#RRGGBB' or 'rgb(r, g, b)'")
        text = text.strip()
        if match := re.match(_HEX, text):
            value = int(match.group(1), 16)
            return cls((value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF)
        if match := re.match(_RGB, text):
            r, g, b = (int(part) for part in match.groups())
            return cls(r, g, b)
        raise _color_error(f"colour {text!r} must be written #RRGGBB or rgb(r, g, b)")

    @property
    def hex(self) -> str:
        return f"#{self.red:02x}{self.green:02x}{self.blue:02x}"

    @property
    def css_rgb(self) -> str:
        return f"rgb({self.red}, {self.green}, {self.blue})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Color) and (self.red, self.green, self.blue) == (
            other.red,
            other.green,
            other.blue,
        )

    def __hash__(self) -> int:
        return hash((self.red, self.green, self.blue))

    def __repr__(self) -> str:
        return f"Color({self.hex!r})"

    def __str__(self) -> str:
        return self.hex

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        def validate(value: Any) -> Color:
            if isinstance(value, Color):
                return value
            try:
                if isinstance(value, str):
                    return cls.parse(value)
                if isinstance(value, tuple | list) and len(value) == 3:
                    return cls(*value)
            except ValidationError as exc:  # pydantic reports it under the field's own path
                raise ValueError(exc.problems[0].message) from None
            raise ValueError("colour must be a string '#RRGGBB' or 'rgb(r, g, b)'")

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda c: c.hex),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # Published schemas (API docs, form builders) describe the text users write.
        return {
            "type": "string",
            "description": "an sRGB colour: #RRGGBB or rgb(r, g, b)",
            "pattern": _COLOR_PATTERN,
            "examples": ["#1a2b3c", "rgb(26, 43, 60)"],
        }


# --------------------------------------------------------------------------------------------
# Parts of a pass
# --------------------------------------------------------------------------------------------

_STRICT = ConfigDict(defer_build=True, extra="forbid", frozen=True, str_strip_whitespace=False)


_EMAIL = pattern(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "not an email address")
_PHONE = pattern(
    r"^\+?[0-9 ()./-]{4,32}$",
    "not a phone number (4 to 32 digits, spaces and ( ) . / -, optionally after a +)",
)
_LANGUAGE = pattern(
    r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$", "not a language tag (e.g. en, fr-CA, zh-Hant)"
)


class Holder(NeutralModel):
    """The person the pass belongs to."""

    model_config = _STRICT

    name: str | None = Field(default=None, min_length=1, max_length=200)
    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    email: str | None = Field(default=None, max_length=254, pattern=_EMAIL)
    phone: str | None = Field(default=None, pattern=_PHONE)
    language: str | None = Field(default=None, pattern=_LANGUAGE)

    @property
    def display_name(self) -> str | None:
        """The full name, joined from first and last when only those were given."""
        if self.name:
            return self.name
        joined = " ".join(part for part in (self.first_name, self.last_name) if part)
        return joined or None

    def split_name(self) -> tuple[str | None, str | None]:
        """First and last name, split from ``name`` at the last space when not given apart."""
        if self.first_name or self.last_name:
            return self.first_name, self.last_name
        if not self.name:
            return None, None
        first, _, last = self.name.strip().rpartition(" ")
        return (first, last) if first else (last, None)


#: Holder's name parts, each with its longest text (its field's ``max_length``; the shortest is
#: one character), and every field of a Holder unset, in field order.
_NAME_PARTS = {"name": 200, "first_name": 100, "last_name": 100}
_NO_HOLDER_PARTS = dict.fromkeys(("name", "first_name", "last_name", "email", "phone", "language"))


def names_holder(parts: Mapping[str, Any]) -> Holder | None:
    """The ``Holder`` that ``Holder(**parts)`` makes, where ``parts`` are name parts validation
    keeps as they are (each exactly ``str``, of 1 to its field's most characters, all of it
    Unicode that UTF-8 can carry); ``None`` for any other ``parts`` (validate them).

    The core restores a holder's name from a vendor's field on most answers (Pass2U's and
    PassEntry's): its validation cost as much as the rest of the round trip, to find the
    name a name.
    """
    for key, value in parts.items():
        if (
            type(value) is not str
            or not 0 < len(value) <= _NAME_PARTS.get(key, 0)
            or not (value.isascii() or text_problem(value) is None)
        ):
            return None
    made = _new_instance(Holder)
    _set_dict(made, {**_NO_HOLDER_PARTS, **parts})
    _set_fields_set(made, set(parts))
    _set_extra(made, None)
    _set_private(made, None)
    return made


#: :func:`~walletpass.barcodes.barcode_problem`, remembered for the last few messages: pydantic
#: runs a model's "after" validator again each time a checked ``Barcode`` is placed in another
#: model (a ``Pass``, an ``IssuedPass``), and the answer depends on the text alone.
_drawing_problem = functools.lru_cache(maxsize=256)(barcode_problem)


class Barcode(NeutralModel):
    """What the scanner reads; ``alt_text`` is printed under the code.

    The message must be drawable in ``format`` (what each symbology can encode and how much:
    :mod:`walletpass.barcodes`); how long a message a vendor takes is that vendor's limit.

    ``format`` is ``None`` only in a pass a vendor reports (``IssuedPass.barcode``) whose answer
    does not say the symbology: Pass2U's create and update answers carry the barcode's message
    but not the symbology, which its model sets (read it with ``get()``, or state it as the
    template alias's ``barcode_format``). A pass to issue or an update names one (default
    ``qr``): ``None`` there is refused (``ValidationError`` on ``barcode``).
    """

    model_config = _STRICT

    message: str = Field(min_length=1, max_length=LARGEST_MESSAGE)
    format: BarcodeFormat | None = BarcodeFormat.QR
    alt_text: str | None = Field(default=None, max_length=255)

    @property
    def symbology(self) -> BarcodeFormat:
        """``format`` where it is named: always in a ``Pass`` or a ``PassUpdate``.

        :raises ValueError: this barcode is a vendor's report that does not say its format.
        """
        if self.format is None:
            raise ValueError("the barcode's format is not known from the vendor's answer")
        return self.format

    @model_validator(mode="after")
    def _encodable(self) -> Self:
        if self.format is None:
            return self  # a vendor's report of a barcode in a symbology it does not name
        # The member itself, not ``.value``: a StrEnum member is its text (equal, same hash, so
        # the same remembered answer), and ``.value`` is an enum property run in Python on each
        # barcode checked (1.5 k instructions of a nested barcode's 16 k).
        problem = _drawing_problem(self.message, self.format)
        if problem is not None:
            raise PydanticCustomError("barcode_message", "{reason}", {"reason": problem})
        return self


class Location(NeutralModel):
    """A place that makes the pass relevant (lock-screen suggestion near it)."""

    model_config = _STRICT

    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)
    altitude: float | None = Field(default=None, allow_inf_nan=False)
    radius: float | None = Field(default=None, gt=0, allow_inf_nan=False, description="metres")
    relevant_text: str | None = Field(default=None, max_length=1000)
    name: str | None = Field(default=None, max_length=255)
    address: str | None = Field(default=None, max_length=1000)
    url: str | None = Field(default=None, max_length=2048)


class Beacon(NeutralModel):
    """An iBeacon that makes the pass relevant when the phone is near it."""

    model_config = _STRICT

    proximity_uuid: UUID
    major: int | None = Field(default=None, ge=0, le=65535)
    minor: int | None = Field(default=None, ge=0, le=65535)
    relevant_text: str | None = Field(default=None, max_length=1000)
    name: str | None = Field(default=None, max_length=255)


class Colors(NeutralModel):
    model_config = _STRICT

    background: Color | None = None
    foreground: Color | None = None
    label: Color | None = None


_WEB_URL = pattern(r"^https?://\S+$", "not a web address (http:// or https://, no spaces)")


class ImageRef(NeutralModel):
    """An image: either an id the vendor gave back from an upload, or a public URL it can fetch."""

    model_config = _STRICT

    id: str | None = Field(default=None, min_length=1, max_length=200)
    url: str | None = Field(default=None, pattern=_WEB_URL, max_length=2048)

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.id is None) == (self.url is None):
            raise ValueError("an image reference needs exactly one of id (uploaded) or url")
        return self


def _image_ref(value: Any) -> Any:
    if isinstance(value, str):
        return {"url": value} if re.match(r"^https?://", value) else {"id": value}
    return value


#: The type of an image in a pass (``Pass.images`` values): an :class:`ImageRef`, or a text
#: read as one (``http://`` or ``https://``: its ``url``; anything else: the vendor's image
#: ``id``). A provider's models that hold images use it so a text is read the same way.
ImageValue = Annotated[ImageRef, BeforeValidator(_image_ref)]


class Nfc(NeutralModel):
    """NFC payload for Apple VAS / Google Smart Tap readers."""

    model_config = _STRICT

    message: str | None = Field(default=None, min_length=1)
    #: A Base64-encoded X.509 SubjectPublicKeyInfo of a P-256 ECDH key (Apple VAS).
    encryption_public_key: str | None = Field(default=None, min_length=1)
    requires_authentication: bool = False

    @field_validator("message")
    @classmethod
    def _message_bytes(cls, value: str | None) -> str | None:
        # Apple counts the NFC message in bytes (and truncates past 64), not characters.
        if value is not None:
            size = len(value.encode("utf-8", "surrogatepass"))
            if size > MAX_NFC_MESSAGE_BYTES:
                raise ValueError(
                    f"must be at most {MAX_NFC_MESSAGE_BYTES} bytes in UTF-8; this message is "
                    f"{size} bytes ({len(value)} characters)"
                )
        return value

    @field_validator("encryption_public_key")
    @classmethod
    def _p256_key(cls, value: str | None) -> str | None:
        if value is not None and (problem := public_key_problem(value)) is not None:
            raise ValueError(problem)
        return None if value is None else normalized_key(value)


class Balance(NeutralModel):
    """A stored value shown on the pass: loyalty points, credits or money."""

    model_config = _STRICT

    amount: Decimal = Field(allow_inf_nan=False)
    currency: str | None = Field(default=None, min_length=1, max_length=32)


class Event(NeutralModel):
    """The occasion a ticket, reservation or appointment is for."""

    model_config = _STRICT

    title: str | None = Field(default=None, min_length=1, max_length=255)
    starts_at: AwareDatetime | None = None
    duration: timedelta | None = None
    url: str | None = Field(default=None, max_length=2048)

    @field_validator("duration")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError("duration must be positive")
        return value

    @model_validator(mode="after")
    def _ends(self) -> Self:
        # Vendors given a start and a duration compute (or are sent) the end: it must exist.
        if self.starts_at is not None and self.duration is not None:
            try:
                self.starts_at.astimezone(UTC) + self.duration
            except OverflowError:
                raise ValueError("the event would end after the year 9999") from None
        return self


def _field_scalar_check(value: Any) -> Any:
    if isinstance(value, datetime):
        _require_aware(value)
    return value


FieldScalar = Annotated[
    bool | int | Decimal | float | datetime | date | str,
    AfterValidator(_field_scalar_check),
]


class PassField(NeutralModel):
    """A template field with presentation: a value plus the label shown next to it."""

    model_config = _STRICT

    value: FieldScalar
    label: str | None = Field(default=None, max_length=255)


_FIELD_VALUE_HINT = "must be text, a number, a boolean, a date or datetime, or {value, label}"


def _one_field_problem(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Report a bad field value once, under its key, instead of once per union member.

    Pydantic explains the failure against every member of the union, under locations named after
    its internal schemas; the caller only needs to know what is wrong with the value they gave.
    """
    try:
        return handler(value)
    except PydanticValidationError as exc:
        errors = exc.errors(include_url=False)
    if isinstance(value, Mapping | PassField):  # a labelled field: say which part is wrong
        labelled = [e for e in errors if e["loc"][:1] == ("PassField",)]
        if labelled:
            first = labelled[0]
            where = ".".join(str(part) for part in first["loc"][1:2])
            message = describe(first)
            reason = f"{where}: {message}" if where else message
            raise PydanticCustomError("field_value", "{reason}", {"reason": reason})
    own = [describe(e) for e in errors if e["type"] == "value_error"]
    reason = own[0] if own else _FIELD_VALUE_HINT
    if value is None:
        # One field cannot be cleared by None on every vendor (Pass2U resets a model field
        # with its own endpoint, others have none): said here, the same everywhere.
        reason = _NO_FIELD_CLEAR
    raise PydanticCustomError("field_value", "{reason}", {"reason": reason})


_NO_FIELD_CLEAR = (
    'None is not a field value: a single field is not cleared by None; write "" (read back '
    "as absent), or reset it with the provider's own operation where it has one (Pass2U: "
    "reset_field()); fields=None clears the fields where the provider declares update.clear"
)


FieldValue = Annotated[FieldScalar | PassField, WrapValidator(_one_field_problem)]
FieldKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        pattern=pattern(r"^[^\s]+$", "must contain no spaces or other whitespace"),
    ),
]


# --------------------------------------------------------------------------------------------
# Pass, PassUpdate
# --------------------------------------------------------------------------------------------


def _plain_json(value: dict[str, Any]) -> dict[str, Any]:
    """``extra`` ends up verbatim in a vendor's JSON body, so it must be plain JSON data."""
    try:
        json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        raise ValueError(f"must be plain JSON data: {exc}") from None
    return value


class _PassContent(NeutralModel):
    """Fields shared by a new pass and by an update."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    _sent_to_vendors: ClassVar[bool] = True

    holder: Holder | None = None
    fields: dict[FieldKey, FieldValue] | None = None
    barcode: Barcode | None = None
    locations: list[Location] | None = Field(default=None, max_length=MAX_LOCATIONS)
    beacons: list[Beacon] | None = Field(default=None, max_length=MAX_BEACONS)
    relevant_at: AwareDatetime | None = None
    expires_at: AwareDatetime | None = None
    colors: Colors | None = None
    logo_text: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, max_length=1000)
    organization_name: str | None = Field(default=None, max_length=255)
    images: dict[ImageRole, ImageValue] | None = None
    group: str | None = Field(default=None, min_length=1, max_length=255)
    nfc: Nfc | None = None
    balance: Balance | None = None
    tier: str | None = Field(default=None, min_length=1, max_length=100)
    event: Event | None = None
    extra: Annotated[dict[str, Any], AfterValidator(_plain_json)] | None = None

    @field_validator("barcode")
    @classmethod
    def _named_symbology(cls, value: Barcode | None) -> Barcode | None:
        if value is not None and value.format is None:
            raise PydanticCustomError(
                "barcode_format",
                "format: name the symbology (qr, pdf417, aztec or code128; default qr): no "
                "format is only how a vendor's answer reports one it does not say",
            )
        return value


class Pass(_PassContent):
    """A pass to issue.

    ``template`` is either a logical name that configuration maps per vendor, or the vendor's own
    template / model / pass-type id. ``extra`` is deep-merged last into the vendor request body and
    is documented per provider.
    """

    template: str = Field(min_length=1, max_length=200)
    kind: PassKind = PassKind.GENERIC
    external_id: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("external_id")
    @classmethod
    def _exact_external_id(cls, value: str | None) -> str | None:
        # Ids are compared exactly (duplicate checks, journals, vendor look-ups): " C1 " kept
        # beside "C1" would be a second pass for one member, and trimming would change the id.
        if value is not None and value != value.strip():
            raise ValueError(
                f"must not begin or end with spaces, tabs or line breaks ({value!r}): ids are "
                "compared exactly, so remove them"
            )
        return value


_UPDATE_CONTROL = frozenset({"message", "notify"})
_NOTHING_CLEARED: frozenset[str] = frozenset()


class PassUpdate(_PassContent):
    """A change to an issued pass.

    A field left out is unchanged; an attribute given as ``None`` explicitly is *cleared* (reset
    to the template default where the vendor declares ``update.clear``). One template field
    inside ``fields`` is never ``None`` (refused, the same on every provider): write ``""``,
    which reads back as absent, or use the vendor's own reset where it has one. ``message`` is
    the notification text shown to the holder; ``notify`` says whether the holder should be told
    at all.
    """

    # A bound on memory, not a vendor rule: each vendor's documented limit is its own (Livepasses
    # 2,000 characters, Pass2U 80 per change message), checked by its provider.
    message: str | None = Field(default=None, min_length=1, max_length=10_000)
    notify: bool | None = None

    # (An update's checks ask these several times: loops, not a comprehension of getattr calls,
    # which cost twice as much as the few names they look at.)

    def changed(self) -> dict[str, Any]:
        """The content fields the caller set (to a value or to ``None``), by name."""
        values = self.__dict__
        changed: dict[str, Any] = {}
        for name in self.__pydantic_fields_set__:
            if name not in _UPDATE_CONTROL:
                changed[name] = values[name]
        return changed

    def cleared(self) -> frozenset[str]:
        """Names of the fields the caller explicitly set to ``None``."""
        values = self.__dict__
        fields_set = self.__pydantic_fields_set__
        for name in fields_set:
            if values[name] is None:
                break
        else:
            # (Most changes clear nothing: no set and no frozenset of it made; an update asks
            # this two or three times.)
            return _NOTHING_CLEARED
        cleared = set()
        for name in fields_set:
            if values[name] is None and name not in _UPDATE_CONTROL:
                cleared.add(name)
        return frozenset(cleared)

    def is_empty(self) -> bool:
        return self.__pydantic_fields_set__ <= _UPDATE_CONTROL and self.message is None


# --------------------------------------------------------------------------------------------
# What comes back
# --------------------------------------------------------------------------------------------


class PassUrls(NeutralModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    download: str | None = None
    apple: str | None = None
    google: str | None = None
    web: str | None = None

    def __iter__(self) -> Iterator[tuple[str, str | None]]:  # type: ignore[override]  # pydantic's __iter__ yields the same pairs
        yield from ((name, getattr(self, name)) for name in ("download", "apple", "google", "web"))


class _SortedInJson:
    """A set field JSON writes as a sorted list, so one answer always prints the same.

    The core schema's own serializer, not ``field_serializer``: that decorator's module and its
    signature inspection cost start-up time on every import of the model (about 9 M
    instructions), for a sort."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        serialization = core_schema.plain_serializer_function_ser_schema(
            sorted,
            return_schema=core_schema.list_schema(core_schema.str_schema()),
            when_used="json",
        )
        return cast("CoreSchema", {**handler(source), "serialization": serialization})


@functools.cache
def _no_urls() -> PassUrls:
    """The one empty ``PassUrls`` (frozen, so shared): a pass read without links does not
    validate an empty model of its own each time."""
    return PassUrls()


class IssuedPass(NeutralModel):
    """A pass as the vendor reports it.

    ``id`` is opaque: it carries everything needed to address the pass again (for vendors that also
    need a model or type id, it packs both). ``vendor_id`` is the vendor's own pass id.
    ``raw`` keeps
    the vendor's answer for anything the neutral model does not cover.
    """

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    #: The opaque id every other call takes (see above).
    id: PassId
    #: The vendor's own pass id.
    vendor_id: PassId
    #: The name of the provider that reported it (``Provider.name``; ``"fake"`` for the fake,
    #: whatever profile it wears).
    provider: str
    #: The application's logical template name where configuration maps one (otherwise the
    #: vendor's template id, as the pass was created with).
    template: str | None = None
    #: The vendor's own template / model / pass-type id.
    vendor_template: str | None = None
    #: The neutral kind, where the vendor's answer or the template alias tells it.
    kind: PassKind | None = None
    #: The application's own id for the pass, as the vendor keeps it.
    external_id: str | None = None
    #: The status a ``get()`` right now would report (``UNKNOWN`` where the answer does not
    #: say; the vendor's own word is in ``meta["vendor_status"]`` where a provider keeps it).
    status: PassStatus = PassStatus.UNKNOWN
    #: The wallet links (Apple, Google, a download page) where the vendor gives them.
    urls: PassUrls = Field(default_factory=_no_urls)
    #: When the vendor made the pass, where its answer says.
    created_at: datetime | None = None
    #: When the vendor last changed the pass, where its answer says.
    updated_at: datetime | None = None
    #: When the pass expires, where the vendor keeps an expiry.
    expires_at: datetime | None = None
    #: The holder, as far as the vendor's answer carries it.
    holder: Holder | None = None
    #: The template's field values under the application's logical names, typed as the
    #: template alias declares them (see ``unknown_parts`` for a read that has none).
    fields: dict[str, Any] = Field(default_factory=dict)
    #: The barcode as the vendor reports it (``unknown_parts`` names ``barcode`` where the
    #: answer cannot show it).
    barcode: Barcode | None = None
    #: The stored value (points, credit) where the vendor reports one.
    balance: Balance | None = None
    #: The vendor's revision number of the pass, where it keeps one.
    version: int | None = None
    #: Parts of the pass this answer cannot show (``"fields"``: the vendor's read has no fields,
    #: or an update's answer has only those it set; ``"balance"``, ``"barcode"``,
    #: ``"barcode.format"``, ``"kind"``, ``"holder.phone"``...): such a part's ``None`` (a key
    #: missing from ``fields``) is not known, not absent. A part not named: ``None`` is absent.
    #: Decided in the core from the provider's declarations (walletpass.readback.unknown_parts).
    unknown_parts: Annotated[frozenset[str], _SortedInJson] = frozenset()
    #: Vendor details the neutral model has no place for, under the keys the provider declares
    #: in ``meta_keys`` (each provider's page lists them, with what each holds), and
    #: ``read_back_failed`` where a write's answer could not be completed by a read.
    meta: dict[str, Any] = Field(default_factory=dict)
    #: What the vendor answered about the pass, for anything the neutral model does not cover.
    raw: Any = None


#: Results of the operations other than create/get/update, built with their first use (each
#: pydantic class costs 1 to 2 M instructions to make at import; a first create needs none of
#: them). They stay importable from here, under this module's name.
_RESULTS = frozenset({"Redemption", "BulkItem", "BulkResult"})


def __getattr__(name: str) -> Any:
    if name not in _RESULTS:
        raise AttributeError(f"module 'walletpass.model' has no attribute {name!r}")
    from walletpass import results

    value = getattr(results, name)
    globals()[name] = value  # later look-ups skip this function
    return value


def fields_as_plain(fields: Mapping[str, Any] | None) -> dict[str, Any]:
    """Field values without labels, for vendors that only take key -> value."""
    if not fields:
        return {}
    return {k: (v.value if isinstance(v, PassField) else v) for k, v in fields.items()}


def restored_pass(data: str | bytes | Mapping[str, Any]) -> IssuedPass:
    """The pass an operation returned, from its JSON form (what a bulk journal keeps, a Celery
    payload, the fake's file store): its moments get back the offsets the operation gave
    (:func:`walletpass.timestamps.plain_offset`: pydantic's JSON validation gives its own
    ``TzInfo``), so a pass read back equals and prints as the one returned. What the JSON form
    did not keep stays as it has it: a journal keeps no ``raw`` (the vendor's answer verbatim,
    personal data a journal need not hold), and ``meta`` values are JSON's (a decimal as its
    text).

    :param data: the JSON text, or the mapping it decodes to.
    :returns: the pass.
    :raises ValidationError: ``data`` is not a pass.
    """
    from walletpass.timestamps import plain_offset  # (only a restore needs it)

    issued = (
        IssuedPass.model_validate(data)
        if isinstance(data, Mapping)
        else IssuedPass.model_validate_json(data)
    )
    moments = {
        name: plain_offset(value)
        for name, value in issued.__dict__.items()
        if isinstance(value, datetime) and value.tzinfo is not None
    }
    return issued.model_copy(update=moments) if moments else issued
