"""A key is never printed, in any form (issue 15, case 1, and its kind).

Case 1 was a key with a trailing newline: the HTTP stack refused the header and quoted it,
*escaped*, in the chained cause, and masking compared the raw key only. Two fixes, each in one
place: credentials with whitespace or control characters are refused when settings are read
(and when a transport is built, for plugins composing headers), naming the setting, never the
value; and masking covers every printed form of a secret (escaped, JSON-escaped, URL-encoded in
either case, HTML-escaped, Latin-1-decoded, bytes reprs). Then a hostile server echoes a key in
those forms, in bodies, in response headers and in a redirect, and the key must be absent from
every message, repr, chained cause, traceback and log line.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import logging
import re
import socket
import traceback
from collections.abc import Callable, Iterator
from typing import Any, ClassVar
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

import walletpass
from walletpass.cli import main
from walletpass.errors import ConfigurationError, WalletPassError
from walletpass.provider import ErrorInfo
from walletpass.redaction import (
    MASK,
    NESTING_DEPTH,
    masked_excerpt,
    redact_text,
    register_secret,
    secret_forms,
)
from walletpass.settings import ProviderSettings
from walletpass.transport import Transport, VendorResponse

from .hostile_server import HostileServer, head
from .test_transport import HttpTestProvider

# With characters every escaping scheme changes: " \ + / = & % < (headers carry ASCII only;
# non-ASCII secrets are covered by the forms test below).
KEY = 'sk_hostile_"q\\b+/=&%<_7f3a9c'


def every_text(error: BaseException) -> list[str]:
    """What a person could be shown of ``error``: str, repr, its whole chain and traceback."""
    texts = ["".join(traceback.format_exception(error))]
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current), repr(current.args)]
        texts += [repr(vars(current))] if hasattr(current, "__dict__") else []
        current = current.__cause__ or current.__context__
    return texts


def leaked(texts: list[str], secret: str = KEY) -> list[str]:
    forms = secret_forms(secret)
    return [text for text in texts if any(form in text for form in forms)]


# ---------------------------------------------------------------------------------------------
# Refused at configuration
# ---------------------------------------------------------------------------------------------

UNFIT = {
    "case-1-newline": "\n",
    "carriage-return": "\r",
    "tab": "\t",
    "space": " ",
    "nul": "\x00",
    "delete": "\x7f",
    "no-break-space": "\u00a0",
    "zero-width-space": "\u200b",
    "line-separator": "\u2028",
    "bom": "\ufeff",
}


@pytest.mark.parametrize("where", ["end", "start", "middle"])
@pytest.mark.parametrize("char", list(UNFIT.values()), ids=list(UNFIT))
def test_case_1_a_key_with_whitespace_or_control_characters_is_refused_by_name(
    char: str, where: str
) -> None:
    key = {"end": "sk_case1_4b1d9e" + char, "start": char + "sk_case1_4b1d9e"}.get(
        where, "sk_case1_" + char + "4b1d9e"
    )

    with pytest.raises(ConfigurationError) as caught:
        walletpass.connect("passentry", api_key=key)

    assert "api_key" in str(caught.value)
    assert leaked(every_text(caught.value), key.strip()) == []
    assert "sk_case1" not in "".join(every_text(caught.value))


def test_every_secret_setting_of_a_vendor_subclass_is_checked() -> None:
    class SigningSettings(ProviderSettings):
        webhook_secret: SecretStr | None = None

    class SigningProvider(HttpTestProvider):
        name = "test-signing"
        Settings: ClassVar[type[ProviderSettings]] = SigningSettings

    with pytest.raises(ConfigurationError) as caught:
        SigningProvider(api_key="fine-key-1234", webhook_secret="whsec_9f\n")

    assert "webhook_secret" in str(caught.value)
    assert "whsec_9f" not in str(caught.value)


def test_a_proxy_url_with_whitespace_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigurationError) as caught:
        HttpTestProvider(api_key="fine-key-1234", proxy="http://user:pa ss@proxy.corp:3128")

    assert "proxy" in str(caught.value)
    assert "pa ss" not in str(caught.value)


def test_a_credential_header_a_plugin_composes_badly_is_refused_by_name() -> None:
    # The setting was fine; the plugin's header is not. Refused before the HTTP stack can
    # quote it in an InvalidHeader error.
    for value in ("Bearer sk_plugin_77\n", "Token sk_plugin_77\x00", "Bearer sk_plugin_é77"):
        with pytest.raises(ConfigurationError) as caught:
            Transport(provider="p", base_url="https://api.vendor.test", auth_headers={"X-K": value})
        assert "X-K" in str(caught.value)
        assert "sk_plugin" not in "".join(every_text(caught.value))


def test_the_cli_with_debug_never_prints_such_a_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WALLETPASS_PASSENTRY_API_KEY", "sk_cli_debug_5e2a\n")

    status = main(["--debug", "get", "--provider", "passentry", "p1"])

    out = capsys.readouterr()
    assert status != 0
    assert "api_key" in out.err
    assert "sk_cli_debug_5e2a" not in out.out + out.err


# ---------------------------------------------------------------------------------------------
# Every printed form is masked
# ---------------------------------------------------------------------------------------------

FORMS: dict[str, Callable[[str], str]] = {
    "raw": lambda s: s,
    "repr": repr,
    "ascii": ascii,
    "json": json.dumps,
    "json-unicode": lambda s: json.dumps(s, ensure_ascii=False),
    "json-slashes-escaped": lambda s: json.dumps(s).replace("/", "\\/"),  # PHP's json_encode
    "json-of-repr": lambda s: json.dumps(repr(s)),
    "repr-of-repr": lambda s: repr(repr(s)),
    "bytes-repr": lambda s: repr(s.encode()),
    "url-encoded": lambda s: quote(s, safe=""),
    "url-encoded-lower": lambda s: quote(s, safe="").replace("%2B", "%2b").replace("%3D", "%3d"),
    "url-path": quote,
    "form-encoded": quote_plus,
    "html": html.escape,
    "latin-1-header": lambda s: s.encode().decode("latin-1"),
    "bearer-header-repr": lambda s: repr({"Authorization": f"Bearer {s}"}),
    # A printed form printed again: members of the kind besides the repr of a repr.
    "repr-of-json": lambda s: repr(json.dumps(s)),
    "json-of-json": lambda s: json.dumps(json.dumps(s)),
    "url-of-json": lambda s: quote(json.dumps(s), safe=""),
    "url-of-repr": lambda s: quote_plus(repr(s)),
    "json-of-url": lambda s: json.dumps(quote(s)),
    "html-of-json": lambda s: html.escape(json.dumps(s)),
    "repr-of-bytes-repr": lambda s: repr(repr(s.encode())),
    "repr-of-latin-1": lambda s: repr(s.encode().decode("latin-1")),
    "json-of-repr-of-repr": lambda s: json.dumps(repr(repr(s))),
}

_SECRET_CHARS = st.characters(
    blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"), blacklist_characters="*"
)


@settings(max_examples=150, deadline=None)
@given(tail=st.text(_SECRET_CHARS, min_size=4, max_size=20), form=st.sampled_from(list(FORMS)))
# Found by Hypothesis: repr() escapes the backslash twice and the quote once, a spelling no list
# of whole-secret forms had.
@example(tail="a'\\b", form="repr-of-repr")
@example(tail="ab'c\\", form="repr-of-repr")
@example(tail="Sup3r+Secret/Key==", form="json-slashes-escaped")
def test_a_registered_secret_is_masked_in_every_printed_form(tail: str, form: str) -> None:
    secret = "sk_forms_" + tail
    register_secret(secret)
    printed = FORMS[form](secret)

    masked = redact_text(f"vendor said: {printed}; done")

    assert MASK in masked
    assert leaked([masked], secret) == []
    assert secret not in masked


#: Whole-string printers, as a log line, an exception or a vendor would apply them.
PRINTERS: dict[str, Callable[[str], str]] = {
    "repr": repr,
    "ascii": ascii,
    "json": json.dumps,
    "json-unicode": lambda s: json.dumps(s, ensure_ascii=False),
    "json-slashes-escaped": lambda s: json.dumps(s).replace("/", "\\/"),
    "bytes-repr": lambda s: repr(s.encode("utf-8", "surrogatepass")),
    "unicode-escape": lambda s: s.encode("unicode_escape").decode("ascii"),
    "url": lambda s: quote(s, safe=""),
    "url-lower": lambda s: re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), quote(s, safe="")),
    "url-path": quote,
    "form": quote_plus,
    "html": html.escape,
    "latin-1": lambda s: s.encode().decode("latin-1"),
    "dict-repr": lambda s: repr({"detail": s}),
}

# The characters the printers change: quotes, backslashes, %, +, &, <, non-ASCII in every UTF-8
# length, control characters (a secret registered directly is not checked like a setting).
_AWKWARD = st.sampled_from([*"'\"\\%+&<>/= ", "\n", "\t", "\x00", "\x7f", "é", "€", "😀", "ß"])


@settings(max_examples=200, deadline=None)
@given(
    tail=st.text(st.one_of(_AWKWARD, _SECRET_CHARS), min_size=4, max_size=16),
    chain=st.lists(st.sampled_from(list(PRINTERS)), min_size=1, max_size=NESTING_DEPTH),
    before=st.sampled_from(["", "x", "'", "\\", "%", "é"]),
)
def test_a_secret_printed_into_printed_text_up_to_the_nesting_depth_is_masked(
    tail: str, chain: list[str], before: str
) -> None:
    # The kind of the Hypothesis find: a printed form of a printed form, any printers, any order,
    # up to NESTING_DEPTH deep, with awkward text on either side (it changes repr's quoting).
    secret = "sk_nest_" + tail
    register_secret(secret)
    printed = before + secret + before
    for name in chain:
        printed = PRINTERS[name](printed)

    masked = redact_text(f"log: {printed} end")

    assert MASK in masked, chain
    assert leaked([masked], secret) == [], (chain, masked)
    assert secret not in masked


@pytest.mark.parametrize("depth", range(1, NESTING_DEPTH + 1))
def test_the_stated_nesting_depth_is_what_is_masked(depth: int) -> None:
    secret = "sk_depth_\\q'9"
    register_secret(secret)
    printed = secret
    for _ in range(depth):
        printed = repr(printed)

    assert redact_text(printed).strip("'\"\\") == MASK, printed


def test_the_proxy_password_is_masked_raw_and_percent_encoded() -> None:
    Transport(
        provider="p",
        base_url="https://api.vendor.test",
        proxy="http://corp:p%40ss-w0rd-81c@proxy.corp:3128",
    )

    assert redact_text("auth p%40ss-w0rd-81c") == f"auth {MASK}"
    assert redact_text("auth p@ss-w0rd-81c") == f"auth {MASK}"


# ---------------------------------------------------------------------------------------------
# A hostile vendor echoes the key everywhere it can
# ---------------------------------------------------------------------------------------------


def echo_everywhere(status: str, body: bytes, **headers: Any) -> Any:
    def behave(conn: socket.socket, server: HostileServer) -> None:
        conn.sendall(head(status, Content_Length=len(body), Connection="close", **headers) + body)

    return behave


def _latin1(text: str) -> str:
    return text.encode().decode("latin-1")  # what a header carrying UTF-8 reads as


ECHOES = {
    "json-escaped-body": echo_everywhere(
        "401 Unauthorized",
        json.dumps({"message": f"bad key {KEY}", "code": KEY, "request_id": KEY}).encode(),
        Content_Type="application/json",
    ),
    "url-encoded-body": echo_everywhere(
        "400 Bad Request", f"error=bad&key={quote_plus(KEY)}".encode(), Content_Type="text/plain"
    ),
    "html-body": echo_everywhere(
        "500 Internal Server Error", f"<p>{html.escape(KEY)}</p>".encode(), Content_Type="text/html"
    ),
    "request-id-header": echo_everywhere(
        "403 Forbidden", b"{}", Content_Type="application/json", X_Request_Id=_latin1(KEY)
    ),
    "www-authenticate-header": echo_everywhere(
        "401 Unauthorized",
        b"{}",
        Content_Type="application/json",
        WWW_Authenticate=f'Bearer error="invalid_token", token="{quote(KEY)}"',
    ),
    "redirect-location": echo_everywhere(
        "302 Found", b"", Location=f"https://login.vendor.test/?key={quote(KEY)}"
    ),
    "unreadable-success": echo_everywhere(
        "200 OK", f"{{'id': {KEY!r}".encode(), Content_Type="application/json"
    ),
}


class CodedProvider(HttpTestProvider):
    """Reads the vendor's error code and request id from the body, as many providers do."""

    name = "test-http-coded-echo"

    def parse_error(self, response: VendorResponse) -> ErrorInfo:
        info = super().parse_error(response)
        body = info.details if isinstance(info.details, dict) else {}
        return ErrorInfo(
            message=info.message,
            code=body.get("code"),
            request_id=body.get("request_id"),
            details=info.details,
        )


@pytest.fixture
def echoes() -> Iterator[dict[str, HostileServer]]:
    servers = {name: HostileServer(behaviour) for name, behaviour in ECHOES.items()}
    yield servers
    for server in servers.values():
        server.close()


def test_a_key_echoed_in_any_form_is_never_shown(
    echoes: dict[str, HostileServer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="walletpass")
    texts: list[str] = []
    for name, server in echoes.items():
        wallet = CodedProvider(base_url=f"{server.url}/v1", api_key=KEY, max_retries=0)
        with pytest.raises(WalletPassError) as caught:
            wallet.get("a1")
        texts += every_text(caught.value)
        texts += [repr(caught.value.details), repr(wallet), repr(wallet.transport), name]
        if name != "redirect-location":
            texts.append(repr(wallet.transport.send(wallet.build_get("a2"))))

    texts += [record.getMessage() for record in caplog.records] + [caplog.text]
    assert [server.heads for server in echoes.values()] and all(
        KEY.encode().decode("latin-1") in "".join(server.heads) for server in echoes.values()
    )  # control: the key really went out, so the vendor had it to echo
    assert leaked(texts) == []


def test_journals_and_results_files_mask_what_they_store(tmp_path: Any) -> None:
    # Errors that are not walletpass's own (a plugin's crash) keep their raw text: the journal
    # and the results writer mask it themselves, in every form.
    from io import StringIO

    from walletpass.cli.issue import RESULT_COLUMNS, _ResultsWriter
    from walletpass.journal import BulkJournal

    secret = "sk_stored_3c9e/+="
    register_secret(secret)
    with BulkJournal(tmp_path / "journal.sqlite3", provider="test-http") as journal:
        journal.begin("row-1", 0, "print")
        journal.fail(
            "row-1",
            RuntimeError(f"echo {secret!r} {quote(secret)}"),
            retryable=False,
            outcome_unknown=False,
        )
        entry = journal.get("row-1")
    assert entry is not None and entry.error_message is not None
    assert leaked([entry.error_message], secret) == [] and MASK in entry.error_message

    for as_csv in (True, False):
        out = StringIO()
        record = dict.fromkeys(RESULT_COLUMNS)
        record.update(row=1, status="ok", download_url=f"https://v.test/d?k={quote(secret)}")
        _ResultsWriter(out, as_csv, tmp_path / "results").write(record)
        assert leaked([out.getvalue()], secret) == [] and MASK in out.getvalue()


ENCODED_SECRET = "Sk-Live_9f3Qz2Rt8Wm4Xb7N"


@pytest.mark.parametrize(
    "spell",
    [
        str.upper,
        str.lower,
        lambda key: key.encode().hex(),
        lambda key: key.encode().hex().upper(),
        lambda key: base64.b64encode(key.encode()).decode(),
        lambda key: base64.urlsafe_b64encode(key.encode()).decode().rstrip("="),
        lambda key: base64.b64encode(f"Bearer {key}".encode()).decode(),
        lambda key: base64.b64encode(f"user:{key}".encode()).decode(),
        lambda key: base64.b64encode(f'{{"token": "{key}"}}'.encode()).decode(),
    ],
    ids=["upper", "lower", "hex", "HEX", "base64", "base64url", "bearer", "basic", "json"],
)
def test_encoded_spellings_of_a_key_are_masked(spell: Callable[[str], str]) -> None:
    # Issue 15: a vendor error body echoed the key as base64 (of "Bearer <key>" too), hex and
    # upper case; the masking knew none of them.
    register_secret(ENCODED_SECRET)
    text = f"error: bad credential {spell(ENCODED_SECRET)} (see docs)"
    redacted = redact_text(text)
    assert spell(ENCODED_SECRET) not in redacted
    assert MASK in redacted and redacted.startswith("error: bad credential ")


@given(st.binary(min_size=0, max_size=5), st.binary(min_size=0, max_size=5))
def test_base64_of_a_key_inside_other_bytes_is_masked(before: bytes, after: bytes) -> None:
    register_secret(ENCODED_SECRET)
    blob = base64.b64encode(before + ENCODED_SECRET.encode() + after).decode()
    assert MASK in redact_text(blob)


def _wrapped(encoded: str, width: int, newline: str) -> str:
    return newline.join(encoded[at : at + width] for at in range(0, len(encoded), width))


@settings(max_examples=200, deadline=None)
@given(
    before=st.binary(max_size=120),
    after=st.binary(max_size=40),
    width=st.sampled_from([76, 64, 60, 32, 5, 1]),
    newline=st.sampled_from(["\r\n", "\n", "\r"]),
    urlsafe=st.booleans(),
    bearer=st.booleans(),
)
def test_base64_of_a_key_wrapped_across_lines_is_masked(
    before: bytes, after: bytes, width: int, newline: str, urlsafe: bool, bearer: bool
) -> None:
    """MIME wraps base64 at 76 columns (PEM at 64), with CRLF or LF: a key's base64 split by a
    line break was no form the matcher knew, whole or in a structure, and an excerpt of it
    showed the key's base64. Every line of the wrapped text that holds a character encoding
    only the key's bytes is masked (the text around it stays)."""
    register_secret(ENCODED_SECRET)
    key = ("Bearer " if bearer else "").encode() + ENCODED_SECRET.encode()
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    text = "attachment:\n" + _wrapped(encode(before + key + after).decode(), width, newline)
    for shown in (redact_text(text), walletpass.redaction.redact({"body": [text]})["body"][0]):
        assert MASK in shown and shown.startswith("attachment:\n")
        unwrapped = "".join(shown.split())
        for form in secret_forms(ENCODED_SECRET):
            assert form not in unwrapped or len(form) < 8
    masked = redact_text(text)
    for limit in range(12, len(text) + 2, 7):
        cut = masked if len(masked) <= limit else masked[: limit - 1] + "…"
        assert masked_excerpt(text, limit) == cut  # (masked first, then cut)


# ---------------------------------------------------------------------------------------------
# Characters written as escapes any character may take, and excerpts cut inside a key
# ---------------------------------------------------------------------------------------------


def _json_escaped(text: str, which: Callable[[int, str], bool]) -> str:
    """``text`` as JSON string content with the chosen characters written ``\\uXXXX`` (an
    encoder that escapes every character, or Go's that escapes & < >), the rest as json.dumps."""
    return "".join(
        f"\\u{ord(c):04x}" if len(c.encode("utf-16-le")) == 2 and which(i, c) else _dumped(c)
        for i, c in enumerate(text)
    )


def _dumped(char: str) -> str:
    return json.dumps(char)[1:-1]


#: Forms of a whole secret no printer of :data:`PRINTERS` makes: every (or some) character as an
#: escape that may stand for any character.
ESCAPED_FORMS: dict[str, Callable[[str], str]] = {
    "json-every-char": lambda s: _json_escaped(s, lambda i, c: True),
    "json-every-char-upper-hex": lambda s: _json_escaped(s, lambda i, c: True).upper(),
    "json-every-third-char": lambda s: _json_escaped(s, lambda i, c: i % 3 == 0),
    "json-go-style": lambda s: _json_escaped(s, lambda i, c: c in "&<>"),
    "html-decimal": lambda s: "".join(f"&#{ord(c)};" for c in s),
    "html-hex": lambda s: "".join(f"&#x{ord(c):X};" for c in s),
    "html-some": lambda s: "".join(
        f"&#{ord(c)};" if i % 2 else html.escape(c) for i, c in enumerate(s)
    ),
    "percent-every-byte": lambda s: "".join(f"%{b:02X}" for b in s.encode()),
    "percent-every-byte-lower": lambda s: "".join(f"%{b:02x}" for b in s.encode()),
}


@settings(max_examples=120, deadline=None)
@given(
    tail=st.text(st.one_of(_AWKWARD, _SECRET_CHARS), min_size=4, max_size=16),
    form=st.sampled_from(list(ESCAPED_FORMS)),
    wrap=st.sampled_from(["", "repr", "json", "repr-of-json"]),
)
@example(tail="a&b<c>d", form="json-go-style", wrap="")
@example(tail="\u00e9\U0001f600x\\", form="json-every-char", wrap="repr-of-json")
def test_a_secret_whose_characters_are_written_as_escapes_is_masked(
    tail: str, form: str, wrap: str
) -> None:
    secret = "sk_esc_" + tail
    register_secret(secret)
    printed = ESCAPED_FORMS[form](secret)
    text = f"log: {printed} end"
    if "json" in wrap:
        text = json.dumps(text)
    if "repr" in wrap:
        text = repr(text)

    masked = redact_text(text)

    assert MASK in masked, (form, wrap)
    assert printed not in masked and secret not in masked
    # the text around it is left as it was
    assert "log: " in masked and " end" in masked
    if not wrap:
        assert masked == f"log: {MASK} end"


def test_escapes_of_other_text_are_left_alone() -> None:
    register_secret("sk_esc_left_alone_71")
    text = 'a%20b &#65;&#x42; \\u0043 %E2%82%AC {"k": "\\u00e9"} 100% &#; \\u12'

    assert redact_text(text) == text


ESCAPED_KEY = "sk_live_4f9aQ2rT8wM4xB7nZ3kLp0Vd"


def _error_answered(answer: Any) -> WalletPassError:
    """The error a get that ``ESCAPED_KEY`` authorises ends in, answered by ``answer``."""
    server = HostileServer(answer)
    try:
        wallet = CodedProvider(base_url=f"{server.url}/v1", api_key=ESCAPED_KEY, max_retries=0)
        with pytest.raises(WalletPassError) as caught:
            wallet.get("a1")
    finally:
        server.close()
    return caught.value


@pytest.mark.parametrize(
    ("answer", "printed"),
    [
        pytest.param(  # a JSON answer cut short, every character escaped, quoted raw
            echo_everywhere(
                "200 OK",
                ('{"id": "' + _json_escaped(ESCAPED_KEY, lambda i, c: True)).encode(),
                Content_Type="application/json",
            ),
            _json_escaped(ESCAPED_KEY, lambda i, c: True),
            id="json-every-char",
        ),
        pytest.param(  # a proxy's page where JSON was expected
            echo_everywhere(
                "200 OK",
                ("<html><p>key=" + ESCAPED_FORMS["html-decimal"](ESCAPED_KEY)).encode(),
                Content_Type="text/html",
            ),
            ESCAPED_FORMS["html-decimal"](ESCAPED_KEY),
            id="html-entities",
        ),
        pytest.param(  # a redirect whose query encodes every byte
            echo_everywhere(
                "302 Found",
                b"",
                Location="https://login.vendor.test/?k="
                + ESCAPED_FORMS["percent-every-byte"](ESCAPED_KEY),
            ),
            ESCAPED_FORMS["percent-every-byte"](ESCAPED_KEY),
            id="location-percent-every-byte",
        ),
    ],
)
def test_a_key_echoed_with_escaped_characters_is_never_shown(answer: Any, printed: str) -> None:
    error = _error_answered(answer)
    texts = every_text(error)

    assert MASK in str(error)
    for text in texts:  # (a repr doubles the backslashes of the JSON form)
        assert printed not in text and printed.replace("\\", "\\\\") not in text
        assert ESCAPED_KEY[:8] + ESCAPED_KEY[8:12] not in text


@pytest.mark.parametrize("offset", [150, 180, 190, 195, 199, 200, 230])
def test_an_answer_excerpt_never_ends_in_the_beginning_of_the_key(offset: int) -> None:
    # The excerpt of an answer that is not JSON was cut at 200 bytes and then masked: a key
    # across the cut was left with its beginning showing (16 of 32 characters at offset 184).
    body = b"x" * offset + ESCAPED_KEY.encode() + b"y" * 50
    error = _error_answered(echo_everywhere("200 OK", body, Content_Type="application/json"))

    for text in every_text(error):
        assert ESCAPED_KEY[:4] not in text, offset
    assert "x" * 100 in str(error)  # the excerpt is still there


@settings(max_examples=60, deadline=None)
@given(
    tail=st.text(st.one_of(_AWKWARD, _SECRET_CHARS), min_size=4, max_size=24),
    before=st.integers(min_value=0, max_value=120),
    limit=st.integers(min_value=10, max_value=100),
    printer=st.sampled_from(["", "repr", "json", "html"]),
)
def test_an_excerpt_is_masked_before_it_is_cut(
    tail: str, before: int, limit: int, printer: str
) -> None:
    secret = "sk_cut_" + tail
    register_secret(secret)
    printed = PRINTERS[printer](secret) if printer else secret
    text = "x" * before + printed + "y" * 30

    shown = masked_excerpt(text, limit)

    assert len(shown) <= limit
    assert secret[:5] not in shown and printed[:5] not in shown
    assert shown.startswith("x" * min(before, limit - 1))
    assert masked_excerpt(text.encode(), limit) == shown


# ---------------------------------------------------------------------------------------------
# A part of a key: cut short by the vendor's excerpt, or split across lines or chunks
# ---------------------------------------------------------------------------------------------


#: Each drawn key's own serial: the registry keeps every earlier example's key for the module.
_PART_SERIALS = itertools.count()


@settings(max_examples=100, deadline=None)
@given(
    tail=st.text(st.one_of(_AWKWARD, _SECRET_CHARS), min_size=1, max_size=40),
    share=st.floats(min_value=0.5, max_value=1.0, exclude_max=True),
    end=st.sampled_from(["head", "tail"]),
    case=st.sampled_from([str, str.upper, str.lower]),
    around=st.sampled_from([("key ", "..."), ("'", "…'"), ("<", ">"), ("", "")]),
)
def test_a_part_of_a_key_holding_at_least_half_of_it_is_masked(
    tail: str, share: float, end: str, case: Callable[[str], str], around: tuple[str, str]
) -> None:
    # (either half of it of 4 characters or more; its own serial at each end, so that no part of
    # an earlier example's key, still registered, reaches into the text around this one's)
    serial = f"{next(_PART_SERIALS):04x}"
    secret = f"sk{serial}_part_" + tail + f"_x7Qz9Kw2{serial}"
    register_secret(secret)
    size = max(-(-len(secret) // 2), int(len(secret) * share))
    written = secret[:size] if end == "head" else secret[-size:]
    part = case(written)
    if size >= len(secret) or len(part) != size or part.lower() != written.lower():
        return  # a case change lower() does not undo ("ß" to "SS", dotless i to "I"): not this part

    masked = redact_text(f"vendor said: {around[0]}{part}{around[1]} (ok)")

    # (a secret registered by another example may hold the text around the part: masked too)
    assert MASK in masked and part not in masked
    assert masked.startswith("vendor said: ") and masked.endswith(" (ok)")


@settings(max_examples=150, deadline=None)
@given(
    tail=st.text(st.one_of(_AWKWARD, _SECRET_CHARS), min_size=1, max_size=30),
    share=st.floats(min_value=0.5, max_value=1.0, exclude_max=True),
    end=st.sampled_from(["head", "tail"]),
    chain=st.one_of(
        st.lists(st.sampled_from(list(PRINTERS)), min_size=1, max_size=NESTING_DEPTH),
        st.sampled_from(list(ESCAPED_FORMS)).map(lambda name: [name]),
    ),
)
def test_a_part_of_a_key_printed_into_printed_text_is_masked(
    tail: str, share: float, end: str, chain: list[str]
) -> None:
    """A vendor's excerpt of the key, printed again: percent-encoded into a redirect's query,
    JSON- or repr-escaped, written as escapes any character may take. Only the plain spelling
    of a part was known: a cut key with a '/', a '+' or a quote in it showed whole."""
    serial = f"{next(_PART_SERIALS):04x}"  # (as above: no earlier example's part around it)
    secret = f"sk{serial}_part_" + tail + f"/x7Qz+9Kw2{serial}"
    register_secret(secret)
    size = max(-(-len(secret) // 2), int(len(secret) * share))
    part = secret[:size] if end == "head" else secret[-size:]
    printed = part
    for name in chain:
        printed = {**PRINTERS, **ESCAPED_FORMS}[name](printed)

    masked = redact_text(f"vendor said: {printed} (ok)")

    assert MASK in masked and printed not in masked
    assert masked.startswith("vendor said: ") and masked.endswith(" (ok)")


@pytest.mark.parametrize("length", range(9, 16))
def test_a_part_of_a_short_key_leaving_out_at_most_three_characters_is_masked(
    length: int,
) -> None:
    """A key of 9 to 15 characters has no half of 8 characters or more (the floor of anything
    masked): a part of it of 8 or more that leaves out at most 3 characters is masked (the rest
    is then guessable), a shorter one is left. A 15-character key cut to 14 showed."""
    import secrets

    secret = "Zq" + secrets.token_hex(8)[: length - 2]  # (each its own: no part of another's)
    register_secret(secret)
    for size in range(1, length):
        for part in (secret[:size], secret[-size:]):
            text = f"key {part}..."
            if size >= 8 and size >= length - 3:
                assert part not in redact_text(text), part
            else:
                assert redact_text(text) == text, part


def test_a_part_shorter_than_half_of_the_key_or_like_ordinary_text_is_left() -> None:
    # The threshold: fewer than half of the characters leave the rest to guess (and the
    # beginning every key of a vendor shares, "sk_live_", is no secret); half of a secret
    # shorter than 16 characters, or a half of fewer than 4 different characters, is ordinary
    # text ("password", a row of dashes).
    register_secret(ESCAPED_KEY)
    register_secret("password-123456")
    register_secret("--------------------xyz")
    # a database's URL is registered whole (and its password alone): its half is an address
    register_secret("postgresql://walletpass:pw-8c1d9e@db.internal:5432/walletpass")

    for text in (
        f"see {ESCAPED_KEY[:8]} keys",
        f"key {ESCAPED_KEY[:15]}...",
        ESCAPED_KEY[-15:],
        "a password is needed",
        "----------------------------",
        "cannot reach the journal's database at postgresql://db.internal:5432/walletpass",
    ):
        assert redact_text(text) == text


PARTS = {
    "cut-short": json.dumps({"message": f"invalid key {ESCAPED_KEY[:20]}..."}),
    "cut-short-upper": json.dumps({"message": f"INVALID KEY {ESCAPED_KEY[:18].upper()}…"}),
    "split-lines": json.dumps({"message": f"key:\n{ESCAPED_KEY[:11]}\n{ESCAPED_KEY[11:]}"}),
    "split-halves": json.dumps({"message": f"{ESCAPED_KEY[:16]}\r\n{ESCAPED_KEY[16:]}"}),
}


@pytest.mark.parametrize("body", list(PARTS.values()), ids=list(PARTS))
def test_a_vendor_quoting_part_of_the_key_never_shows_it(body: str) -> None:
    error = _error_answered(
        echo_everywhere("401 Unauthorized", body.encode(), Content_Type="application/json")
    )
    texts = [*every_text(error), repr(error.details)]

    assert MASK in str(error) + repr(error.details)
    for text in texts:
        for size in range(16, len(ESCAPED_KEY) + 1):  # no half of it, from either end
            assert ESCAPED_KEY[:size].lower() not in text.lower()
            assert ESCAPED_KEY[-size:].lower() not in text.lower()
