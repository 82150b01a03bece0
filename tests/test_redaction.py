"""Credentials never leave walletpass in text form.

First the masking functions themselves (with hypothesis), then the end-to-end proof: a careless
vendor emulator echoes the credential back in every way it can (error messages, error details,
HTML error pages, malformed bodies, values a parse hook chokes on), and the key must then be absent
from every log record (DEBUG on ``walletpass``), every exception string and repr, the whole
``__cause__``/``__context__`` chain and formatted traceback, and the reprs of the provider, its
transport and its settings.

Secrets registered here carry unusual prefixes: the registry is process-wide, and a secret that
looks like ordinary text would mask that text in unrelated tests.
"""

from __future__ import annotations

import json
import logging
import secrets
import socket
import traceback
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from walletpass import IssuedPass, Pass
from walletpass.capabilities import Capabilities, Capability, native
from walletpass.errors import (
    AuthenticationError,
    InvalidResponse,
    ProviderUnavailable,
    RateLimited,
    ValidationError,
    WalletPassError,
)
from walletpass.provider import Provider
from walletpass.redaction import (
    MASK,
    MIN_SECRET_LENGTH,
    RedactedException,
    is_secret_key,
    raise_scrubbed,
    redact,
    redact_headers,
    redact_text,
    register_secret,
    scrub_exception,
)
from walletpass.retry import Safety
from walletpass.settings import ProviderSettings
from walletpass.testing.emulator import (
    EmulatorApp,
    EmulatorRequest,
    EmulatorResponse,
    EmulatorServer,
    Fault,
    route,
)
from walletpass.transport import Transport, VendorRequest, VendorResponse

# ---------------------------------------------------------------------------------------------
# The masking functions
# ---------------------------------------------------------------------------------------------


def unique_secret(label: str) -> str:
    return f"zz{label}-{secrets.token_hex(12)}"


def test_registered_secret_is_masked_in_free_text() -> None:
    secret = unique_secret("free")
    register_secret(secret)

    assert redact_text(f"key={secret}; again {secret}.") == f"key={MASK}; again {MASK}."


def test_short_and_empty_values_are_not_registered() -> None:
    # masking a two-letter "secret" would mangle every message containing those letters
    register_secret("q7")
    register_secret("")
    register_secret(None)

    assert redact_text("q7 stays") == "q7 stays"


@pytest.mark.parametrize("length", range(1, 13))
@pytest.mark.parametrize("given_as", [str, SecretStr, str.encode])
def test_a_secret_is_remembered_from_min_secret_length_characters_on(
    length: int, given_as: Any
) -> None:
    """One rule for every kind of secret (register_secret is the only way in): from
    MIN_SECRET_LENGTH characters a secret is masked, below it never. Four was the floor: a
    test suite's receiver secret "other" or "secret" would mask those words everywhere."""
    secret = "other-secret"[:length]
    text = f"the other secret: {secret}."
    register_secret(given_as(secret))

    if length >= MIN_SECRET_LENGTH:
        assert secret not in redact_text(text)
    else:
        assert redact_text(text) == text


def test_values_of_other_types_are_not_remembered_and_do_not_raise() -> None:
    for value in (12, ["zz-list-secret"], b"\xff\xfezz-latin-secret", object()):
        register_secret(value)
    text = "zz-list-secret zz-latin-secret \xff\xfezz-latin-secret"
    assert redact_text(text) == text


def test_longer_secret_masked_before_the_shorter_one_inside_it() -> None:
    token = unique_secret("tok")
    register_secret(token)
    register_secret(f"Bearer {token}")

    assert redact_text(f"Authorization: Bearer {token}") == f"Authorization: {MASK}"


@pytest.mark.parametrize(
    "key",
    [
        "api_key",
        "X-Api-Key",
        "apiKey",
        "Authorization",
        "client_secret",
        "accessToken",
        "PASSWORD",
        "webhook-signature",
        "Set-Cookie",
    ],
)
def test_secret_key_names(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["template", "holder_name", "id", "status", "barcode"])
def test_ordinary_key_names(key: str) -> None:
    assert not is_secret_key(key)


def test_redact_masks_secret_keys_and_registered_values_at_any_depth() -> None:
    secret = unique_secret("deep")
    register_secret(secret)
    value = {
        "api_key": "plain-but-secret-by-name",
        "empty_token": "",
        "no_password": None,
        "items": [{"note": f"contains {secret}"}, (1, 2.5, True)],
        "raw": secret.encode(),
        "count": 3,
    }

    assert redact(value) == {
        "api_key": MASK,
        "empty_token": "",
        "no_password": None,
        "items": [{"note": f"contains {MASK}"}, [1, 2.5, True]],
        "raw": MASK,
        "count": 3,
    }


def test_redact_headers_by_name_and_by_value() -> None:
    secret = unique_secret("hdr")
    register_secret(secret)

    shown = redact_headers(
        {"Authorization": "Basic abc", "X-Vendor-Auth": "v", "X-Echo": f"got {secret}", "A": "b"},
        extra_secret_names=["x-vendor-auth"],
    )

    assert shown == {
        "Authorization": MASK,
        "X-Vendor-Auth": MASK,
        "X-Echo": f"got {MASK}",
        "A": "b",
    }


# Filler text is Greek; secrets start with a snowman. Neither can collide with other tests'
# secrets, so "unchanged" below is a real property, not luck.
FILLER = st.text(alphabet="αβγδεζηθικλμνξοπρστυφχψω ,.:;=", max_size=40)
SECRETS = st.text(alphabet="abcdefXYZ0123456789-_./+=", min_size=7, max_size=30).map(
    lambda s: f"\u2603{s}"
)


@given(secret=SECRETS, parts=st.lists(FILLER, min_size=1, max_size=5))
def test_a_registered_secret_never_survives_redaction(secret: str, parts: list[str]) -> None:
    register_secret(secret)
    text = secret.join(parts) + secret

    redacted = redact_text(text)

    assert secret not in redacted
    assert redacted.count(MASK) >= 1


@given(FILLER)
def test_text_without_secrets_is_unchanged(text: str) -> None:
    assert redact_text(text) == text


@given(
    secret=SECRETS,
    shape=st.recursive(
        st.one_of(FILLER, st.integers(), st.none(), st.booleans()),
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(FILLER, children, max_size=3),
        ),
        max_leaves=10,
    ),
)
def test_redact_removes_secrets_from_any_structure(secret: str, shape: Any) -> None:
    register_secret(secret)
    value = {"wrapper": [shape, f"prefix {secret} suffix"], "nested": {"k": {"v": secret}}}

    text = json.dumps(redact(value), ensure_ascii=False)

    assert secret not in text


def _each_text_redacted(value: Any) -> Any:
    """What redact() promises, written the slow way: every text of the structure through
    redact_text on its own, secret keys masked."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {
            k: MASK if is_secret_key(k) and v not in (None, "") else _each_text_redacted(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_each_text_redacted(v) for v in value]
    return redact_text(value.decode() if isinstance(value, bytes) else value)


# Letters whose case mapping changes the length or depends on context, and escape characters.
LEAF_TEXT = st.text(alphabet="\u03a3\u03c2\u0130\u00dfx ,.:;=\\%&#'\"", max_size=20)


@given(
    secret=SECRETS,
    spelling=st.sampled_from(["plain", "upper", "json", "repr", "hex", "quoted"]),
    shape=st.recursive(
        st.one_of(LEAF_TEXT, st.integers(), st.none(), st.booleans(), st.just("SECRET")),
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(st.sampled_from(["note", "token", "body", "id"]), children, max_size=3),
        ),
        max_leaves=10,
    ),
)
def test_redact_of_a_structure_is_redact_text_of_each_of_its_texts(
    secret: str, spelling: str, shape: Any
) -> None:
    # redact() searches all the texts of an answer at once; what it returns must be exactly
    # what searching each text on its own gives, whether a text holds a secret or none does.
    register_secret(secret)
    form = {
        "plain": secret,
        "upper": secret.upper(),
        "json": json.dumps(secret)[1:-1],
        "repr": repr(repr(secret)),
        "hex": secret.encode().hex(),
        "quoted": urllib.parse.quote(secret),
    }[spelling]

    def planted(value: Any) -> Any:
        if value == "SECRET":
            return f"x{form}y"
        if isinstance(value, dict):
            return {k: planted(v) for k, v in value.items()}
        if isinstance(value, list):
            return [planted(v) for v in value]
        return value

    value = planted(shape)

    assert redact(value) == _each_text_redacted(value)


# ---------------------------------------------------------------------------------------------
# End to end: a vendor that echoes credentials
# ---------------------------------------------------------------------------------------------

API_KEY = f"sk_live_{secrets.token_hex(16)}"


class EchoingVendor(EmulatorApp):
    """A vendor with every bad habit: it repeats the caller's credentials back in its answers."""

    prefix = "/api"

    @staticmethod
    def _auth(request: EmulatorRequest) -> tuple[str, str]:
        header = request.header("authorization") or ""
        return header, header.removeprefix("Bearer ")

    @route("GET", "/passes/{pass_id}")
    def get_pass(self, request: EmulatorRequest) -> EmulatorResponse:
        header, bare = self._auth(request)
        case = request.params["pass_id"]
        if case == "unauthorized":
            return EmulatorResponse.json_body(
                {
                    "message": f"invalid credentials: {header}",
                    "received": {"Authorization": header, "key": bare, "note": f"key {bare}"},
                },
                401,
            )
        if case == "invalid":
            return EmulatorResponse.json_body(
                {"message": f"token {bare} lacks scope", "errors": {"token": [f"{bare} bad"]}},
                422,
            )
        if case == "throttled":
            return EmulatorResponse.json_body(
                {"error": {"message": f"slow down, {bare}"}}, 429, {"Retry-After": "120"}
            )
        if case == "crash":
            return EmulatorResponse(
                500, f"<html><pre>Traceback: header={header}</pre></html>".encode()
            )
        if case == "truncated":
            return EmulatorResponse(200, f'{{"id": "x", "echo": "{bare}'.encode())
        if case == "wrong-type":
            return EmulatorResponse.json_body({"id": "x", "version": header})
        if case == "hook-bug":
            return EmulatorResponse.json_body({"id": "x", "version": "1", "mode": header})
        return EmulatorResponse.json_body({"id": case, "version": "1"})

    @route("POST", "/passes")
    def create_pass(self, request: EmulatorRequest) -> EmulatorResponse:
        return EmulatorResponse.json_body({"id": "new", "version": "1"}, 201)


class EchoTestProvider(Provider):
    name = "test-http-echo"
    capabilities = Capabilities(
        {Capability.CREATE: native(), Capability.GET: native(), Capability.KIND_GENERIC: native()}
    )

    def auth_headers(self) -> dict[str, str]:
        assert self.settings.api_key is not None
        return {"Authorization": f"Bearer {self.settings.api_key.get_secret_value()}"}

    def build_create(self, new_pass: Pass) -> VendorRequest:
        return VendorRequest("POST", "passes", Safety.UNSAFE, json={"template": new_pass.template})

    def parse_create(self, response: VendorResponse, new_pass: Pass) -> IssuedPass:
        return self.parse_get(response, "new")

    def build_get(self, pass_id: str) -> VendorRequest:
        return VendorRequest("GET", f"passes/{pass_id}", Safety.SAFE, path_template="passes/{id}")

    def parse_get(self, response: VendorResponse, pass_id: str) -> IssuedPass:
        body = response.json()
        if "mode" in body:
            # a provider bug outside what parse() expects: the base class's guard wraps it
            raise RuntimeError(f"cannot handle mode {body['mode']!r}")
        return IssuedPass(
            id=body["id"], vendor_id=body["id"], provider=self.name, version=int(body["version"])
        )


@pytest.fixture
def vendor() -> EchoingVendor:
    return EchoingVendor()


@pytest.fixture
def server(vendor: EchoingVendor) -> Iterator[EmulatorServer]:
    with EmulatorServer(vendor) as running:
        yield running


def exception_texts(error: BaseException) -> list[str]:
    """Every way an exception is shown: str, repr, details, its chain, the formatted traceback."""
    texts = ["".join(traceback.format_exception(error))]
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        texts += [str(current), repr(current), repr(current.args)]
        if isinstance(current, WalletPassError):
            texts += [repr(current.details), current.message, str(current.code)]
        # the whole chain: the cause, and the context even where a cause hides it from the
        # traceback (a program walking the chain, an error reporter, still reaches it)
        pending += [current.__cause__, current.__context__]
    return texts


def log_texts(records: list[logging.LogRecord]) -> list[str]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    texts = []
    for record in records:
        texts += [record.getMessage(), formatter.format(record), repr(record.args)]
        if record.exc_info:
            texts.append(formatter.formatException(record.exc_info))
    return texts


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_the_vendor_really_echoes_the_key(server: EmulatorServer) -> None:
    """Control: without walletpass's redaction, the key would be in the vendor's answers."""
    request = urllib.request.Request(
        f"{server.url}/api/passes/crash", headers={"Authorization": f"Bearer {API_KEY}"}
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert API_KEY in caught.value.read().decode()


def test_api_key_absent_from_logs_errors_chains_and_reprs(
    vendor: EchoingVendor, server: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="walletpass")
    caplog.set_level(logging.DEBUG, logger="urllib3")
    wallet = EchoTestProvider(
        base_url=f"{server.url}/api", api_key=API_KEY, max_retries=1, timeout=0.3
    )
    errors: list[WalletPassError] = []

    def expect(error: type[WalletPassError], call: Any, *args: Any) -> None:
        with pytest.raises(error) as caught:
            call(*args)
        errors.append(caught.value)

    assert wallet.get("fine").version == 1
    expect(AuthenticationError, wallet.get, "unauthorized")
    expect(ValidationError, wallet.get, "invalid")
    expect(RateLimited, wallet.get, "throttled")
    expect(ProviderUnavailable, wallet.get, "crash")
    expect(InvalidResponse, wallet.get, "truncated")
    expect(InvalidResponse, wallet.get, "wrong-type")
    expect(WalletPassError, wallet.get, "hook-bug")
    vendor.inject(Fault.delay_after(1.0), method="POST")
    expect(ProviderUnavailable, wallet.create, {"template": "gold"})
    refused = EchoTestProvider(
        base_url=f"http://127.0.0.1:{closed_port()}/api", api_key=API_KEY, max_retries=1
    )
    expect(ProviderUnavailable, refused.get, "fine")

    # controls: the key was really sent, and the scenarios really happened
    assert all(entry.headers["authorization"] == f"Bearer {API_KEY}" for entry in vendor.journal)
    assert errors[0].details["received"]["note"] == "key ***"
    assert errors[-2].outcome_unknown is True
    assert errors[-1].__cause__ is not None
    assert "RuntimeError" in str(errors[6])
    assert any("passes/{id}" in record.getMessage() for record in caplog.records)

    shown: list[str] = []
    for error in errors:
        shown += exception_texts(error)
    shown += log_texts(caplog.records)
    shown.append(caplog.text)
    for thing in (wallet, refused):
        shown += [repr(thing), str(thing), repr(thing.settings), str(thing.settings)]
        shown += [thing.settings.model_dump_json(), repr(thing.transport)]

    leaks = [text for text in shown if API_KEY in text]
    assert leaks == []


def test_errors_built_by_the_pipeline_redact_their_message(server: EmulatorServer) -> None:
    wallet = EchoTestProvider(base_url=f"{server.url}/api", api_key=API_KEY, max_retries=0)

    with pytest.raises(AuthenticationError) as caught:
        wallet.get("unauthorized")

    assert str(caught.value) == "[test-http-echo.get] invalid credentials: ***"
    assert caught.value.details["received"] == {
        "Authorization": MASK,
        "key": MASK,
        "note": f"key {MASK}",
    }


def test_transport_registers_bearer_and_bare_token() -> None:
    token = unique_secret("bearer")
    Transport(
        provider="test-http",
        base_url="https://api.example.com",
        auth_headers={"X-Auth": f"Token {token}"},
    )

    assert redact_text(f"bare {token}") == f"bare {MASK}"
    assert redact_text(f"full Token {token}") == f"full {MASK}"


def test_scrub_exception_keeps_clean_exceptions() -> None:
    clean = KeyError("id")

    assert scrub_exception(clean) is clean


def test_scrub_exception_replaces_an_exception_quoting_a_secret() -> None:
    secret = unique_secret("scrub")
    register_secret(secret)
    try:
        int(f"Bearer {secret}")
    except ValueError as exc:
        raw = exc

    stand_in = scrub_exception(raw)

    assert isinstance(stand_in, RedactedException)
    assert secret not in "".join(traceback.format_exception(stand_in))
    assert str(stand_in).startswith("ValueError: invalid literal")
    assert stand_in.__traceback__ is raw.__traceback__


def test_scrub_exception_looks_down_the_chain() -> None:
    secret = unique_secret("chain")
    register_secret(secret)
    outer = LookupError("missing field")
    outer.__cause__ = ValueError(f"got {secret}")

    stand_in = scrub_exception(outer)

    assert stand_in is not outer
    assert stand_in.__cause__ is None
    assert secret not in "".join(traceback.format_exception(stand_in))


def test_raise_scrubbed_leaves_no_unscrubbed_exception_in_the_chain() -> None:
    """Raised while handling an exception quoting a secret: the cause is the stand-in, and the
    handled exception is not kept as the implicit context (reachable, though not printed)."""
    secret = unique_secret("context")
    register_secret(secret)
    error = WalletPassError("unexpected ValueError")
    with pytest.raises(WalletPassError) as caught:
        try:
            raise ValueError(f"echo {secret}")
        except ValueError as exc:
            raise_scrubbed(error, exc)

    assert caught.value is error
    assert isinstance(error.__cause__, RedactedException)
    assert error.__context__ is None
    assert [text for text in exception_texts(error) if secret in text] == []


def test_raise_scrubbed_keeps_a_clean_chain_as_python_makes_it() -> None:
    error = WalletPassError("unexpected KeyError")
    with pytest.raises(WalletPassError):
        try:
            raise KeyError("id")
        except KeyError as exc:
            handled = exc
            raise_scrubbed(error, exc)

    assert error.__cause__ is handled
    assert error.__context__ is handled
    assert error.__suppress_context__ is True


# ---------------------------------------------------------------------------------------------
# Log records and warnings: every walletpass logger and warning masks, the traceback kept
# ---------------------------------------------------------------------------------------------


def _every_walletpass_module() -> None:
    import importlib
    import pkgutil

    import walletpass as package

    for module in pkgutil.walk_packages(package.__path__, "walletpass."):
        if module.name.startswith("walletpass.testing") or module.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(module.name)
        except ImportError:  # (an optional dependency: celery, aiohttp...)
            continue


def test_every_walletpass_logger_masks_its_records() -> None:
    """A logger's filters see only its own records (not those its children pass up): each
    walletpass logger must have the masking filter, or its records go out unmasked."""
    from walletpass.redaction import RedactingFilter

    _every_walletpass_module()
    loggers = [
        logger
        for name, logger in logging.Logger.manager.loggerDict.items()
        if (name == "walletpass" or name.startswith("walletpass."))
        and isinstance(logger, logging.Logger)
    ]
    assert {"walletpass.http", "walletpass.webhooks"} <= {logger.name for logger in loggers}
    for logger in loggers:
        if logger.name == "walletpass":
            continue  # (no record is made on it: its handlers see its children's, masked)
        assert any(isinstance(f, RedactingFilter) for f in logger.filters), logger.name


class _JsonFormatter(logging.Formatter):
    """As JSON log formatters do: the traceback from ``exc_info`` itself, and ``extra=``."""

    def format(self, record: logging.LogRecord) -> str:
        shown = {"message": record.getMessage(), "extra": record.__dict__.get("context")}
        if record.exc_info:
            shown["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            shown["exc_info"] = record.exc_text
        if record.stack_info:
            shown["stack"] = record.stack_info
        return json.dumps(shown, default=str)


def test_a_record_shows_no_secret_in_any_part_and_keeps_its_traceback() -> None:
    from walletpass.redaction import masked_logger

    secret = unique_secret("log")
    register_secret(secret)
    logger = masked_logger("walletpass.test_records")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    logger.propagate = False

    class Settings:
        def __repr__(self) -> str:
            return f"Settings(key={secret!r})"

        __str__ = __repr__

    try:
        try:
            raise KeyError(secret)
        except KeyError as cause:
            error = ConnectionError("refused")
            error.add_note(f"with {secret}")
            raise error from cause
    except ConnectionError:
        logger.exception(
            "sending with %s failed",
            secret,
            stack_info=True,
            extra={"context": {"key": secret, "note": f"k={secret}"}, "settings": Settings()},
        )
    logger.removeHandler(handler)
    (record,) = records
    for formatter in (logging.Formatter("%(message)s %(settings)s"), _JsonFormatter()):
        shown = formatter.format(record)
        assert secret not in shown
        assert "Traceback" in shown and "KeyError" in shown and "ConnectionError" in shown
        assert "with ***" in shown and "sending with *** failed" in shown


def test_a_record_without_a_secret_is_left_as_it_is() -> None:
    from walletpass.redaction import redact_record

    register_secret(unique_secret("other"))
    try:
        raise ValueError("plain")
    except ValueError:
        import sys

        record = logging.LogRecord("walletpass.x", 40, "f", 1, "n=%d", (1,), sys.exc_info())
    record.context = {"n": 1}
    exc_info = record.exc_info
    redact_record(record)
    assert record.exc_info is exc_info and record.args == (1,) and record.msg == "n=%d"


def test_every_walletpass_warning_masks_its_message() -> None:
    """Warnings quote vendors' answers (a field name echoed) and your code's errors (an event
    handler's): each walletpass warning class masks its message, as errors do."""
    import walletpass.errors as errors_module

    _every_walletpass_module()
    secret = unique_secret("warn")
    register_secret(secret)

    def subclasses(kind: type[Warning]) -> list[type[Warning]]:
        return [kind, *(sub for each in kind.__subclasses__() for sub in subclasses(each))]

    ours = [
        kind
        for kind in subclasses(Warning)
        if kind.__module__.startswith("walletpass") and kind.__module__ != "walletpass.testing"
    ]
    assert len(ours) >= 5
    for kind in ours:
        assert issubclass(kind, errors_module.WalletPassWarning), kind
        assert secret not in str(kind(f"quoting {secret}"))


def test_an_event_handlers_error_is_warned_without_the_secret_it_quotes() -> None:
    import warnings

    from walletpass.event_handlers import EventHandlerWarning, call_handlers

    secret = unique_secret("handler")
    register_secret(secret)

    def handler(event: Any) -> None:
        raise RuntimeError(f"could not store {event} with {secret}")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call_handlers([handler], "the event", "the issued event of fp_1")
    (warning,) = caught
    assert warning.category is EventHandlerWarning
    assert secret not in str(warning.message) and "RuntimeError" in str(warning.message)


def test_scrub_exception_reads_arguments_notes_and_group_members() -> None:
    """What a traceback or an error reporter prints beyond str() and repr(): a class's own
    __str__/__repr__ may leave its arguments out, a note is printed under it, and each member
    of an exception group is printed with its own chain."""
    secret = unique_secret("scrub")
    register_secret(secret)

    class Quiet(Exception):
        def __str__(self) -> str:
            return "quiet"

        def __repr__(self) -> str:
            return "Quiet()"

    noted = RuntimeError("plain")
    noted.add_note(f"while using {secret}")
    member = ValueError("plain")
    member.__cause__ = KeyError(secret)
    for exc in (Quiet(secret), noted, ExceptionGroup("two failed", [ValueError("x"), member])):
        scrubbed = scrub_exception(exc)
        assert isinstance(scrubbed, RedactedException), exc
        assert secret not in "".join(traceback.format_exception(scrubbed))
    clean = ExceptionGroup("two failed", [ValueError("x")])
    assert scrub_exception(clean) is clean


class SigningSettings(ProviderSettings):
    account: str = "main-account"
    signing_secret: SecretStr | None = None


class SigningProvider(Provider[SigningSettings]):
    """A plugin whose hooks quote its own secret setting in what they raise."""

    name = "test-signing"
    capabilities = EchoTestProvider.capabilities
    auth_headers = EchoTestProvider.auth_headers
    build_create = EchoTestProvider.build_create
    parse_create = EchoTestProvider.parse_create
    build_get = EchoTestProvider.build_get
    parse_get = EchoTestProvider.parse_get

    def decode_id(self, pass_id: str) -> str:
        assert self.settings.signing_secret is not None
        raise ValueError(
            f"cannot sign {pass_id} with {self.settings.signing_secret.get_secret_value()}"
        )


# (few examples: each provider made registers one more secret, and every redaction after
# looks for all of them)
@settings(max_examples=10)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=12, max_size=40))
def test_a_secret_setting_of_a_plugin_is_masked_from_when_the_provider_is_made(
    secret: str,
) -> None:
    """Every setting typed SecretStr, not only the credential headers a transport sends: a hook
    quoting the plugin's signing secret (here before any transport exists) shows it masked; a
    plain setting is left as it is."""
    wallet = SigningProvider(
        base_url="https://vendor.example", api_key="sk_plain_key_123", signing_secret=secret
    )
    with pytest.raises(WalletPassError) as caught:
        wallet.get("p1")
    shown = f"{caught.value} {caught.value!r} {caught.value.__cause__!r}"
    assert secret not in shown and MASK in shown, shown
    assert redact_text(f"account {wallet.settings.account}") == "account main-account"
