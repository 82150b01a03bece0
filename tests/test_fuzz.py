"""Arbitrary and malformed input to every public entry point: only walletpass errors come out.

Hypothesis feeds random JSON-like values, wrong types, huge strings, lone surrogates and other
awkward unicode, and pass-shaped mappings whose every part is junk, to each public method of the
fake provider (which runs the same pipeline as the real ones) and to ``connect()`` /
``from_config()``. The contract: the call either succeeds with a proper result or raises a
``WalletPassError`` subclass. The bare ``WalletPassError`` is what the public methods wrap a
*bug* in ("unexpected TypeError ..."), so it counts as a failure too: junk input must be refused
by a precise error (``ValidationError``, ``NotFound``, ``ConfigurationError``, ...).
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import (
    BulkResult,
    IssuedPass,
    Pass,
    Redemption,
    WalletPassError,
)
from walletpass.fake import FakeProvider, FakeSettings

T = TypeVar("T")

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------

weird_text = st.one_of(
    st.text(max_size=30),
    st.text(  # lone surrogates, control characters, anything else
        st.characters()
        | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
        | st.characters(max_codepoint=0x1F),
        max_size=30,
    ),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "\ud800",
            "e\u0301",
            "\u202eevil",
            "🎟️" * 3,
            "null",
            "NaN",
            "-0",
            "1e999",
            "#zzzzzz",
            "rgb(1,2,3)",
            "fp_0000000000000000",
            "../../etc/passwd",
            "${jndi:ldap://x}",
        ]
    ),
)
huge_text = st.builds(
    lambda char, size: char * size, st.characters(), st.integers(min_value=1_000, max_value=200_000)
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(),
    st.decimals(),
    weird_text,
    st.binary(max_size=20),
    st.datetimes(timezones=st.none() | st.timezones()),
    st.dates(),
    st.timedeltas(),
    st.sampled_from([math.inf, -math.inf, math.nan, Decimal("NaN"), Decimal("-Infinity")]),
)
json_like = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(weird_text, inner, max_size=4)
    ),
    max_leaves=12,
)
junk = st.one_of(
    json_like,
    huge_text,
    st.sampled_from([object(), type, print, ..., frozenset({1}), b"\xff\xfe", bytearray(b"x")]),
)

#: One valid value per content field: a pass using all of them is issued by the fake.
VALID: dict[str, Any] = {
    "holder": {"name": "Ada Lovelace", "email": "ada@example.com", "language": "en-GB"},
    "fields": {"seat": "12B", "row": 7, "vip": {"value": True, "label": "VIP"}},
    "barcode": {"message": "A-1003", "format": "pdf417", "alt_text": "A-1003"},
    "locations": [{"latitude": 48.85, "longitude": 2.35, "radius": 50, "name": "Gate"}],
    "beacons": [{"proximity_uuid": "e2c56db5-dffb-48d2-b060-d0f5a71096e0", "major": 1}],
    "relevant_at": "2031-05-17T20:30:00+02:00",
    "expires_at": "2031-05-18T00:00:00Z",
    "colors": {"background": "rgb(10, 20, 30)", "foreground": "#ffffff"},
    "logo_text": "ACME",
    "description": "Spring gala",
    "organization_name": "ACME Events",
    "images": {"logo": "https://cdn.example/logo.png", "icon": "img-7"},
    "group": "gala-2031",
    "nfc": {"message": "nfc-1", "requires_authentication": False},
    "balance": {"amount": "12.50", "currency": "EUR"},
    "tier": "gold",
    "event": {"title": "Gala", "starts_at": "2031-05-17T19:00:00Z", "duration": 7200},
    "extra": {"vendor_flag": [1, "two", None, {"three": 3.0}]},
}
VALID_PASS = {**VALID, "kind": "event_ticket", "external_id": "order-1"}


def _mutate(base: dict[str, Any], field: str, pick: int, value: Any) -> dict[str, Any]:
    """``base`` with one part of ``field`` (the field itself, a key, an item's key) replaced."""
    mutated = copy.deepcopy(base)
    current = mutated.get(field, copy.deepcopy(VALID_PASS.get(field)))
    if isinstance(current, list) and current:
        current = current[0]
        mutated[field] = [current]
    if isinstance(current, dict) and pick > 0:
        keys = [*current, "unknown_key"]
        current[keys[pick % len(keys)]] = value
        mutated[field] = current if field not in ("locations", "beacons") else [current]
    else:
        mutated[field] = value
    return mutated


def _content(valid: dict[str, Any], required: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Valid content using a random set of fields, then with one part made junk (usually)."""
    names = sorted(valid)
    base = st.sets(st.sampled_from(names)).map(
        lambda chosen: {**required, **{name: valid[name] for name in chosen}}
    )
    mutated = st.builds(
        _mutate,
        base,
        st.sampled_from([*names, *required, "unknown_key"]),
        st.integers(min_value=0, max_value=8),
        st.none() | weird_text | junk,
    )
    return st.one_of(base, mutated, mutated.flatmap(lambda m: st.just(m) | st.just([m])))


pass_like = _content(VALID_PASS, {"template": "fuzz"})
update_like = _content(VALID, {})


def plausible_pass() -> st.SearchStrategy[Pass]:
    """Valid passes with awkward but legal content (they must be issued and read back)."""
    return st.builds(
        Pass,
        template=st.text(min_size=1, max_size=200),
        # ids are compared exactly, so the model refuses surrounding whitespace
        external_id=st.none() | st.text(min_size=1, max_size=200).filter(lambda t: t == t.strip()),
        fields=st.none()
        | st.dictionaries(
            st.text(min_size=1, max_size=20).filter(lambda k: not any(c.isspace() for c in k)),
            st.text()
            | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
            | st.booleans()
            | st.floats(allow_nan=False, allow_infinity=False),
            max_size=3,
        ),
        description=st.none() | st.text(max_size=1000),
        expires_at=st.none()
        | st.datetimes(
            min_value=datetime(2000, 1, 1), timezones=st.just(timezone(timedelta(hours=5)))
        ),
    )


# --------------------------------------------------------------------------------------------
# The contract
# --------------------------------------------------------------------------------------------


def outcome(call: Callable[[], T]) -> T | WalletPassError:
    """The call's result, or the walletpass error it raised; anything else fails the test."""
    try:
        return call()
    except WalletPassError as exc:
        assert type(exc) is not WalletPassError, f"a bug wrapped as WalletPassError: {exc}"
        assert not str(exc).startswith("unexpected"), str(exc)
        # The text of the error must itself be printable (it ends up in logs).
        assert isinstance(str(exc), str) and isinstance(repr(exc), str)
        return exc


@pytest.fixture(scope="module")
def wallet() -> Iterator[FakeProvider]:
    with FakeProvider() as made:
        yield made


@pytest.fixture(scope="module")
def live_id(wallet: FakeProvider) -> str:
    return wallet.create(Pass(template="fuzz", fields={"seat": "1A"})).id


ids = st.one_of(
    junk, st.just("fp_0000000000000000"), st.from_regex(r"fp_[0-9a-f]{16}", fullmatch=True)
)


@FUZZ
@given(st.one_of(pass_like, junk))
def test_create(wallet: FakeProvider, candidate: Any) -> None:
    result = outcome(lambda: wallet.create(candidate))
    event(type(result).__name__)  # see the mix with --hypothesis-show-statistics
    if isinstance(result, IssuedPass):
        assert outcome(lambda: wallet.get(result.id)) == result


@FUZZ
@given(plausible_pass())
def test_valid_awkward_passes_are_issued_and_read_back(wallet: FakeProvider, new: Pass) -> None:
    result = outcome(lambda: wallet.create(new))
    if isinstance(result, IssuedPass):
        assert wallet.get(result.id).template == new.template
    else:  # only a duplicate external id may refuse a valid pass
        assert isinstance(result, walletpass.Conflict)


@FUZZ
@given(ids)
def test_get_and_delete(wallet: FakeProvider, pass_id: Any) -> None:
    outcome(lambda: wallet.get(pass_id))
    outcome(lambda: wallet.delete(pass_id))


@FUZZ
@given(st.booleans(), ids, junk, junk)
def test_redeem(
    wallet: FakeProvider, live_id: str, live: bool, pass_id: Any, amount: Any, options: Any
) -> None:
    target = live_id if live else pass_id
    result = outcome(lambda: wallet.redeem(target, amount=amount, options=options))
    assert isinstance(result, Redemption | WalletPassError)


@FUZZ
@given(st.booleans(), ids, update_like | junk)
def test_update(wallet: FakeProvider, live_id: str, live: bool, pass_id: Any, change: Any) -> None:
    target = live_id if live else pass_id
    result = outcome(lambda: wallet.update(target, change))
    event(type(result).__name__)
    if isinstance(result, IssuedPass):
        assert outcome(lambda: wallet.get(result.id)) == result


@FUZZ
@given(
    st.none() | weird_text | junk,
    st.none() | st.sampled_from(["issued", "redeemed", "deleted"]) | junk,
    st.none() | st.integers(min_value=-2, max_value=1002) | junk,
    st.none() | junk,
)
def test_list(wallet: FakeProvider, template: Any, status: Any, page_size: Any, extra: Any) -> None:
    listing = outcome(
        lambda: wallet.list(template=template, status=status, page_size=page_size, extra=extra)
    )
    if not isinstance(listing, WalletPassError):
        items = outcome(lambda: list(listing))
        assert isinstance(items, list | WalletPassError)


@settings(FUZZ, max_examples=30)
@given(st.one_of(st.lists(st.one_of(pass_like, junk), max_size=4), junk), junk)
def test_create_many(wallet: FakeProvider, passes: Any, concurrency: Any) -> None:
    result = outcome(lambda: wallet.create_many(passes, concurrency=concurrency))
    if isinstance(result, BulkResult):
        assert result.total == len(passes)
        for item in result:
            assert item.ok or isinstance(item.error, WalletPassError)
            if item.error is not None:
                assert type(item.error) is not WalletPassError, item.error


@FUZZ
@given(junk | st.sampled_from(["create", "get", "*"]), junk, junk)
def test_fail_next(operation: Any, error: Any, times: Any) -> None:
    with FakeProvider() as fresh:
        outcome(lambda: fresh.fail_next(operation, error, times=times))


# --------------------------------------------------------------------------------------------
# connect() and from_config()
# --------------------------------------------------------------------------------------------

SETTING_NAMES = sorted(set(FakeSettings.model_fields) - {"path"})
names = st.one_of(junk, st.sampled_from(["fake", "pass2u", "passentry", "FAKE", "fake ", ""]))
safe_paths = st.one_of(
    st.from_regex(r"[a-z]{1,8}\.sqlite3", fullmatch=True),
    st.sampled_from(["", "\x00", ".", "dir/"]),
    st.integers(),
    st.lists(st.integers(), max_size=2),
)
setting_values = st.dictionaries(
    st.sampled_from(SETTING_NAMES) | st.from_regex(r"[a-z_]{1,12}", fullmatch=True),
    junk,
    max_size=4,
)
env_values = st.dictionaries(
    st.sampled_from(
        [
            "WALLETPASS_PROVIDER",
            "WALLETPASS_CONFIG",
            "WALLETPASS_FAKE_TIMEOUT",
            "WALLETPASS_FAKE_TEMPLATES",
            "WALLETPASS_FAKE_STRICT",
            "WALLETPASS_FAKE_API_KEY",
            "WALLETPASS_FAKE_PROFILE",
            "WALLETPASS_FAKE_NOPE",
            "WALLETPASS_PASS2U_API_KEY",
        ]
    ),
    weird_text,
    max_size=4,
)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
        )
    return str(value)


toml_scalars = st.booleans() | st.integers() | st.floats() | weird_text
toml_values = st.recursive(
    toml_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(weird_text, inner, max_size=3),
    max_leaves=6,
)
#: Configuration files with the right structure and junk inside, or no structure at all.
toml_files = st.one_of(
    weird_text,
    st.builds(
        lambda provider, table, values: (
            f"provider = {_toml_value(provider)}\n"
            f"[providers.{table}]\n"
            + "".join(f"{key} = {_toml_value(value)}\n" for key, value in values.items())
        ),
        toml_values | st.sampled_from(["fake", "pass2u"]),
        st.sampled_from(["fake", "pass2u", '"x y"']),
        st.dictionaries(
            st.sampled_from([*SETTING_NAMES, "api_key", "unknown"]), toml_values, max_size=3
        ),
    ),
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-cwd")


def _close(result: Any) -> None:
    if isinstance(result, walletpass.Provider):
        result.close()


@FUZZ
@given(names, setting_values, st.none() | safe_paths)
def test_connect(workdir: Path, name: Any, values: dict[str, Any], path: Any) -> None:
    if path is not None:
        values = {**values, "path": path}
    with contextlib.chdir(workdir):
        _close(outcome(lambda: walletpass.connect(name, **values)))


@FUZZ
@given(
    st.none() | junk | st.sampled_from(["walletpass.toml", "missing.toml", "pyproject.toml"]),
    st.none() | names,
    env_values | junk,
    setting_values,
    st.none() | toml_files,
)
def test_from_config(
    workdir: Path, path: Any, provider: Any, env: Any, values: dict[str, Any], toml: str | None
) -> None:
    with contextlib.chdir(workdir):
        config = Path("walletpass.toml")
        if toml is None:
            config.unlink(missing_ok=True)
        else:
            with contextlib.suppress(UnicodeEncodeError):
                config.write_text(toml, encoding="utf-8")
        _close(outcome(lambda: walletpass.from_config(path, provider=provider, env=env, **values)))
