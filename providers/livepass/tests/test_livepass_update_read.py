"""An update reads the pass only for what it keeps (links, ``created_at``): the same answer as
the full reading of the GET (``parse_get``), the same refusals, over generated answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from walletpass_livepass import LivePassProvider

from walletpass import Holder, Pass, PassUpdate
from walletpass.errors import WalletPassError
from walletpass.model import PassUrls
from walletpass.testing.emulator import Fault

PASS_IDS = ("reservation.r-1", "membership-card.42", "appointment.A_7")

_texts = st.one_of(st.text(max_size=12), st.sampled_from(["", "r-1", "42", "A_7", "x\x1b[0m"]))
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    _texts,
)
_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
_stamps = st.one_of(
    st.none(),
    st.integers(-(10**14), 10**14),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([True, "1700000000", [1700000000], 1767225600, 1767225600.5]),
)
_links = st.one_of(
    _json,
    st.fixed_dictionaries(
        {},
        optional={
            "web": st.one_of(_scalars, st.just("https://app.getlivepass.com/view/t0k")),
            "apple": st.one_of(_scalars, st.just("https://app.getlivepass.com/apple/t0k")),
        },
    ),
)
_bodies = st.one_of(
    _json,
    st.fixed_dictionaries(
        {},
        optional={
            "created_at": _stamps,
            "last_updated_at": _stamps,
            "version": _scalars,
            "token": _texts,
            "full_name": _texts,
            "title": _json,
            "barcode_data": _scalars,
            "balance_amount": _scalars,
            "silent": _scalars,
        },
    ),
)
_answers = st.one_of(
    _json,
    st.fixed_dictionaries(
        {},
        optional={
            "type": st.one_of(
                st.sampled_from(["reservation", "membership-card", "appointment", "ticket"]),
                _json,
            ),
            "id": st.one_of(st.sampled_from(["r-1", "42", "A_7", 42, "r\x00"]), _json),
            "body": _bodies,
            "links": _links,
            "message": _scalars,
        },
    ),
)


def _outcome(call: Any) -> tuple[str, Any]:
    try:
        return ("ok", call())
    except Exception as exc:  # (compared by type and message, as the driver reports them)
        return (type(exc).__name__, str(exc))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=_answers, pass_id=st.sampled_from(PASS_IDS))
def test_what_an_update_keeps_is_what_the_read_gives(answer: Any, pass_id: str) -> None:
    wallet = LivePassProvider(api_key="lp-secret-key-4711", base_url="http://127.0.0.1:9")
    try:

        def read() -> tuple[Any, Any]:
            current = wallet.parse_get(_Answer(answer), pass_id)
            return current.urls, current.created_at

        expected = _outcome(read)

        def kept() -> tuple[Any, Any]:
            urls, created_at = wallet._kept_by_update(answer, pass_id)
            return PassUrls.model_validate(urls), created_at

        assert _outcome(kept) == expected
    finally:
        wallet.close()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pass_id=st.sampled_from(PASS_IDS), body=_bodies, links=_links, numeric=st.booleans())
def test_what_an_update_keeps_of_an_answer_about_the_pass(
    pass_id: str, body: Any, links: Any, numeric: bool
) -> None:
    # (answers about the pass itself: the comparison is not all refusals of another pass's)
    pass_type, _, vendor_id = pass_id.partition(".")
    answer = {
        "message": "Pass retrieved",
        "body": body,
        "links": links,
        "id": int(vendor_id) if numeric and vendor_id.isdigit() else vendor_id,
        "type": pass_type,
    }
    wallet = LivePassProvider(api_key="lp-secret-key-4711", base_url="http://127.0.0.1:9")
    try:

        def read() -> tuple[Any, Any, Any]:
            current = wallet.parse_get(_Answer(answer), pass_id)
            return current.urls, current.urls.model_fields_set, current.created_at

        def kept() -> tuple[Any, Any, Any]:
            links, created_at = wallet._kept_by_update(answer, pass_id)
            urls = PassUrls.model_validate(links)  # (as the update's pass validates them)
            return urls, urls.model_fields_set, created_at

        assert _outcome(kept) == _outcome(read)
    finally:
        wallet.close()


def test_an_answer_too_deep_to_read_is_refused_before_the_write(wallet, emulator) -> None:
    # A hostile GET answer, nested deeper than the reading of a pass can copy (its redacted
    # raw): get refuses it, and so does an update that reads it, before writing anything.
    issued = wallet.create(Pass(template="membership-card", holder=Holder(name="Ines")))
    answer = dict(wallet.get(issued.id).raw)
    deep: Any = "x"
    for _ in range(600):  # (JSON decodes it; a copy made level by level cannot)
        deep = [deep]
    answer["body"] = {**answer["body"], "token": "t0k", "notes": deep}
    hostile = Fault.respond(
        200, body=json.dumps(answer).encode(), headers={"Content-Type": "application/json"}
    )
    emulator.inject(hostile, method="GET")
    with pytest.raises(WalletPassError) as read:
        wallet.get(issued.id)
    emulator.inject(hostile, method="GET")
    sent = len(emulator.journal)
    with pytest.raises(WalletPassError) as updated:
        wallet.update(issued.id, PassUpdate(holder=Holder(name="Ines Duarte")))
    assert [entry.method for entry in emulator.journal.entries[sent:]] == ["GET"]
    assert type(updated.value) is type(read.value)
    assert str(updated.value) == str(read.value).replace("livepass.get", "livepass.update")
    assert updated.value.outcome_unknown is False


class _Answer:
    """A response whose ``json()`` is ``answer`` itself (any Python value, as decoded)."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer

    def json(self) -> Any:
        return self.answer


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    answer=st.one_of(
        _answers,
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(["reservation", "membership-card"]),
                "id": st.sampled_from(["r-1", "42"]),
                "body": _bodies,
                "message": st.just("Pass requested"),
            }
        ),
    ),
    web=st.one_of(st.none(), st.just("https://app.getlivepass.com/view/t0k")),
    created=st.one_of(st.none(), st.integers(0, 2**33)),
)
def test_the_updated_pass_is_the_write_answer_with_what_the_read_kept(
    answer: Any, web: str | None, created: int | None
) -> None:
    # What the update returns: the write's answer read as parse_update reads it, with the links
    # and created_at of the pass it read laid over it (as before they were validated with it).
    wallet = LivePassProvider(api_key="lp-secret-key-4711", base_url="http://127.0.0.1:9")
    read = {
        "message": "Pass retrieved",
        "body": {"created_at": created},
        "links": {"web": web},
        "id": "r-1",
        "type": "reservation",
    }
    try:
        kept = wallet._kept_by_update(read, "reservation.r-1")

        def copied() -> Any:
            written = wallet.parse_update(_Answer(answer), "reservation.r-1", PassUpdate())
            return written.model_copy(
                update={"urls": PassUrls.model_validate(kept[0]), "created_at": kept[1]}
            )

        def merged() -> Any:
            return wallet._parse_merged(_Answer(answer), kept)

        expected, got = _outcome(copied), _outcome(merged)
        assert got == expected
        if expected[0] == "ok":
            assert got[1].model_fields_set == expected[1].model_fields_set
            assert got[1].model_dump_json() == expected[1].model_dump_json()
    finally:
        wallet.close()
