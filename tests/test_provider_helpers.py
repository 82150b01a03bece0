"""The core helpers providers share: id decoding, refusing problems, the emulated-redeem check."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

import walletpass
from walletpass.errors import (
    AlreadyRedeemed,
    FieldProblem,
    NotFound,
    PassExpired,
    ValidationError,
)
from walletpass.kinds import APPLE_STYLES, KindTable
from walletpass.model import IssuedPass, PassKind, PassStatus
from walletpass.pass_ids import checked_by, decode_pass_id
from walletpass.redemption import refuse_unredeemable
from walletpass.rendering import render_fields


def _pair(text: str) -> tuple[str, str]:
    left, dot, right = text.partition(".")
    if not dot or not left or not right:
        raise ValueError("is not '<a>.<b>'")
    return left, right


@given(text=st.text(max_size=20))
def test_decode_pass_id_reports_a_decoder_refusal_at_pass_id(text: str) -> None:
    try:
        expected = _pair(text)
    except ValueError:
        with pytest.raises(ValidationError) as caught:
            decode_pass_id(text, _pair, provider="acme")
        assert caught.value.fields == {"pass_id": ["is not '<a>.<b>'"]}
        assert caught.value.provider == "acme"
    else:
        assert decode_pass_id(text, _pair, provider="acme") == expected


def test_checked_by_turns_a_why_not_check_into_a_decoder() -> None:
    def problem(value: str) -> str | None:
        return "must be short" if len(value) > 3 else None

    assert decode_pass_id("abc", checked_by(problem), provider="x") == "abc"
    with pytest.raises(ValidationError, match="pass_id: must be short"):
        decode_pass_id("abcd", checked_by(problem), provider="x")


@given(ids=st.lists(st.text(max_size=8), min_size=1, max_size=30))
def test_a_remembered_id_decodes_as_the_decoder_does_and_a_bad_one_is_always_refused(
    ids: list[str],
) -> None:
    # decode_pass_id remembers the ids each decoder accepted (a call checks its id several
    # times): every answer, the first time or later, is the decoder's own; a refused id is
    # refused every time; two decoders of one id each give their own answer.
    calls: list[str] = []

    def counted(text: str) -> tuple[str, str]:
        calls.append(text)
        return _pair(text)

    def reversed_pair(text: str) -> tuple[str, str]:
        left, right = _pair(text)
        return right, left

    for _ in range(2):
        for text in ids:
            try:
                expected = _pair(text)
            except ValueError:
                with pytest.raises(ValidationError, match="pass_id"):
                    decode_pass_id(text, counted, provider="acme")
                with pytest.raises(ValidationError, match="pass_id"):
                    decode_pass_id(text, reversed_pair, provider="acme")
                continue
            assert decode_pass_id(text, counted, provider="acme") == expected
            assert decode_pass_id(text, reversed_pair, provider="acme") == expected[::-1]
    assert set(calls) <= set(ids)


def test_an_id_that_is_not_text_is_refused_by_the_decoder() -> None:
    with pytest.raises(ValidationError, match="pass_id"):
        decode_pass_id(["a", "b"], checked_by(lambda v: "must be text"), provider="x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("provider", "pass_id", "why"),
    [
        ("pass2u", "no-dot", "is not a Pass2U pass id"),
        ("livepass", "cruise.1", "names no LivePass pass type"),
        ("passentry", "a/b", "must be printable, without spaces or '/'"),
        ("livepasses", "a|b", "must be a Livepasses id"),
    ],
)
def test_every_provider_refuses_a_malformed_id_the_same_way(
    provider: str, pass_id: str, why: str
) -> None:
    wallet = walletpass.connect(provider, api_key="k" * 32, base_url="http://127.0.0.1:9")
    with pytest.raises(ValidationError) as caught:
        wallet.get(pass_id)
    assert list(caught.value.fields) == ["pass_id"]
    assert why in caught.value.fields["pass_id"][0]
    assert caught.value.provider == provider


def test_refuse_raises_only_for_problems() -> None:
    ValidationError.refuse([], provider="x", operation="create")
    with pytest.raises(ValidationError) as caught:
        ValidationError.refuse([FieldProblem("a", "b")], provider="x", operation="create")
    assert (caught.value.provider, caught.value.operation) == ("x", "create")
    assert caught.value.fields == {"a": ["b"]}


def _issued(status: PassStatus) -> IssuedPass:
    return IssuedPass(
        id="p-1",
        vendor_id="p-1",
        provider="x",
        status=status,
        expires_at=datetime(2020, 1, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (PassStatus.DELETED, NotFound),
        (PassStatus.EXPIRED, PassExpired),
        (PassStatus.VOIDED, AlreadyRedeemed),
        (PassStatus.REDEEMED, AlreadyRedeemed),
    ],
)
def test_a_pass_that_cannot_be_redeemed_is_refused(
    status: PassStatus, error: type[Exception]
) -> None:
    with pytest.raises(error) as caught:
        refuse_unredeemable(_issued(status), provider="x")
    assert "p-1" in str(caught.value)


@pytest.mark.parametrize(
    "status",
    [s for s in PassStatus if s not in {"deleted", "expired", "voided", "redeemed"}],
)
def test_any_other_pass_may_be_redeemed(status: PassStatus) -> None:
    refuse_unredeemable(_issued(status), provider="x")


def _text_only(key: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"{type(value).__name__} has no text form")
    return str(value)


@given(
    fields=st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.one_of(st.text(max_size=5), st.integers(), st.booleans(), st.floats()),
        max_size=6,
    )
)
def test_render_fields_renders_every_value_or_names_every_refused_one(
    fields: dict[str, object],
) -> None:
    refused = {
        f"fields.{key}": [f"{type(value).__name__} has no text form"]
        for key, value in fields.items()
        if isinstance(value, bool) or not isinstance(value, str | int)
    }
    if refused:
        with pytest.raises(ValidationError) as caught:
            render_fields(fields, _text_only)
        assert caught.value.fields == refused
    else:
        rendered = render_fields(fields, _text_only)
        assert rendered == {key: str(value) for key, value in fields.items()}
        assert list(rendered) == list(fields)


def test_render_fields_of_no_fields_is_empty() -> None:
    assert render_fields(None, _text_only) == {}


@given(
    assignment=st.dictionaries(
        st.sampled_from(list(PassKind)), st.sampled_from(["a", "b", "c", "d"]), min_size=1
    ),
    unread=st.sets(st.sampled_from(["a", "b", "c", "d"])),
)
def test_kind_table_reads_back_the_first_kind_of_each_type_unless_unread(
    assignment: dict[PassKind, str], unread: set[str]
) -> None:
    issued_as: dict[str, list[PassKind]] = {}
    for kind, vendor_type in assignment.items():
        issued_as.setdefault(vendor_type, []).append(kind)
    unread &= set(issued_as)
    table = KindTable(issued_as, unread=unread)
    for kind in PassKind:
        assert table.get(kind) == assignment.get(kind)
        assert (kind in table) == (kind in assignment)
    assert dict(table.items()) == assignment
    for vendor_type, kinds in issued_as.items():
        expected = None if vendor_type in unread else kinds[0]
        assert table.kind_of(vendor_type) == expected
        if expected is not None:
            assert table[expected] == vendor_type  # a kind read back is issued as that type
    assert table.kind_of("not-a-type") is None
    assert table.kind_of(None) is None


def test_kind_table_refuses_a_kind_under_two_types_and_stray_unread_types() -> None:
    with pytest.raises(ValueError, match="two vendor types"):
        KindTable({"a": [PassKind.GENERIC], "b": [PassKind.GENERIC]})
    with pytest.raises(ValueError, match="lists no kind"):
        KindTable({"a": []})
    with pytest.raises(ValueError, match="not declared"):
        KindTable({"a": [PassKind.GENERIC]}, unread={"b"})


def test_translated_kind_tables_merge_types_named_alike_in_order() -> None:
    merged = APPLE_STYLES.translated(lambda style: "plain" if style == "coupon" else style.upper())
    assert merged[PassKind.COUPON] == "plain"
    assert merged[PassKind.EVENT_TICKET] == "EVENTTICKET"
    assert merged.kind_of("GENERIC") is PassKind.GENERIC
    assert merged.kind_of("plain") is PassKind.COUPON
    # every kind keeps a type, none is lost in the translation
    assert set(merged) == set(APPLE_STYLES) == set(PassKind)
    unread = APPLE_STYLES.translated(str, unread={"storeCard"})
    assert unread.kind_of("storeCard") is None
    assert unread[PassKind.GIFT_CARD] == "storeCard"
