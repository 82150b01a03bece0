"""One rule for ``extra`` keys on every provider and on the fake wearing its profile (issue 16,
field report 7): a key the vendor does not document is a typo. Strict mode refuses it before
anything is sent, naming the closest documented key; lenient mode drops that key alone, with a
warning naming it. Checked on create and update, through the public ``prepare_*`` steps (every
check short of sending), over typos hypothesis makes of each vendor's documented keys.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import Pass, PassUpdate, UnsupportedFeatureWarning, ValidationError
from walletpass.provider import Provider

pytest.importorskip("walletpass_pass2u")
pytest.importorskip("walletpass_passentry")
pytest.importorskip("walletpass_livepass")
pytest.importorskip("walletpass_livepasses")

#: Per vendor: a template it takes, a pass id its update takes, and one reported near miss with
#: the documented key it must suggest.
VENDORS: dict[str, tuple[str, str, str, str]] = {
    "pass2u": ("1919", "1919.LV-TYdkIMdQj", "sharingProhibted", "sharingProhibited"),
    "passentry": (
        "2e2d7ee8c306e8f0223dbdc1",
        "6c1f9e2a-41d7-4f0e-9b8a-2d7c3e5f1a90",
        "grouptag",
        "groupTag",
    ),
    "livepass": ("membership-card", "membership-card.GYM-1", "silnt", "silent"),
    "livepasses": ("tmpl-001", "p-0193", "personalisations", "personalizations"),
}
SETUPS = [(vendor, wearer) for vendor in VENDORS for wearer in ("vendor", "profile")]


def _connect(vendor: str, wearer: str, tmp: Path, *, strict: bool) -> Provider:
    if wearer == "profile":
        return walletpass.connect(
            "fake", path=str(tmp / f"{vendor}.db"), profile=vendor, strict=strict
        )
    # Never sends: prepare_* stops short of the request, and the port is closed.
    return walletpass.connect(
        vendor, api_key="k" * 32, base_url="http://127.0.0.1:9", strict=strict
    )


@pytest.fixture(params=SETUPS, ids=[f"{v}-{w}" for v, w in SETUPS])
def setup(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, Provider, Provider, str]]:
    vendor, wearer = request.param
    strict = _connect(vendor, wearer, tmp_path, strict=True)
    lenient = _connect(vendor, wearer, tmp_path, strict=False)
    # A pass id the update accepts: the vendor's form, or one the profile issued.
    pass_id = VENDORS[vendor][1]
    if wearer == "profile":
        pass_id = strict.create(_content(vendor, "create", {})).id
    try:
        yield vendor, strict, lenient, pass_id
    finally:
        strict.close()
        lenient.close()


def _content(vendor: str, operation: str, extra: dict[str, Any]) -> Pass | PassUpdate:
    template = VENDORS[vendor][0]
    if operation == "create":
        return Pass(template=template, holder={"name": "Ada Lovelace"}, extra=extra)
    return PassUpdate(extra=extra, message="m" if vendor == "livepasses" else None)


def _prepare(
    wallet: Provider, vendor: str, operation: str, extra: dict[str, Any], pass_id: str
) -> Any:
    content = _content(vendor, operation, extra)
    if operation == "create":
        return wallet.prepare_create(content)
    return wallet.prepare_update(pass_id, content)[1]


@pytest.mark.parametrize("operation", ["create", "update"])
def test_the_reported_near_miss_is_refused_naming_the_documented_key(setup, operation) -> None:
    vendor, strict, _, pass_id = setup
    typo, meant = VENDORS[vendor][2:]
    if typo in (strict.extra_keys or {}).get(operation, frozenset()):
        pytest.skip(f"{typo} is documented for {operation}")
    with pytest.raises(ValidationError) as caught:
        _prepare(strict, vendor, operation, {typo: "x"}, pass_id)
    (problem,) = caught.value.problems
    assert problem.location == f"extra.{typo}"
    documented = (strict.extra_keys or {}).get(operation, frozenset())
    if meant in documented:
        assert f"did you mean '{meant}'" in problem.message, problem.message


def _typos(key: str) -> st.SearchStrategy[str]:
    """One edit of ``key``: a letter dropped, doubled, swapped with the next, or re-cased."""
    index = st.integers(0, max(len(key) - 1, 0))
    return st.one_of(
        index.map(lambda i: key[:i] + key[i + 1 :]),
        index.map(lambda i: key[:i] + key[i] + key[i:]),
        index.map(lambda i: key[:i] + key[i + 1 : i + 2] + key[i : i + 1] + key[i + 2 :]),
        index.map(lambda i: key[:i] + key[i].swapcase() + key[i + 1 :]),
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), operation=st.sampled_from(["create", "update"]))
def test_any_typo_of_a_documented_key_is_refused_strictly_and_dropped_alone_leniently(
    setup, data: st.DataObject, operation: str
) -> None:
    vendor, strict, lenient, pass_id = setup
    documented = sorted((strict.extra_keys or {}).get(operation, frozenset()))
    if not documented:
        return
    key = data.draw(st.sampled_from(documented), label="documented key")
    typo = data.draw(_typos(key).filter(lambda t: t and t not in documented), label="typo")
    with pytest.raises(ValidationError) as caught:
        _prepare(strict, vendor, operation, {typo: "x"}, pass_id)
    assert [p.location for p in caught.value.problems] == [f"extra.{typo}"]
    with warnings.catch_warnings(record=True) as caught_warnings:
        warnings.simplefilter("always")
        prepared = _prepare(lenient, vendor, operation, {typo: "x"}, pass_id)
    assert typo not in (prepared.extra or {})
    messages = [str(w.message) for w in caught_warnings if w.category is UnsupportedFeatureWarning]
    assert any(f"extra.{typo} was dropped" in m for m in messages), messages


#: Per listing vendor: a filter it does not document, and the documented one it should suggest
#: (PassEntry documents no list filter at all: passentry.md 4.4).
LIST_TYPOS: dict[str, tuple[str, str | None]] = {
    "passentry": ("perPage", None),
    "livepasses": ("search_trem", "search_term"),
}
LIST_SETUPS = [(vendor, wearer) for vendor in LIST_TYPOS for wearer in ("vendor", "profile")]


@pytest.mark.parametrize(
    ("vendor", "wearer"), LIST_SETUPS, ids=[f"{v}-{w}" for v, w in LIST_SETUPS]
)
def test_list_filters_follow_the_same_rule(vendor: str, wearer: str, tmp_path: Path) -> None:
    typo, meant = LIST_TYPOS[vendor]
    strict = _connect(vendor, wearer, tmp_path, strict=True)
    lenient = _connect(vendor, wearer, tmp_path, strict=False)
    try:
        # Refused at the call: list() sends nothing until iterated, and the port is closed.
        with pytest.raises(ValidationError) as caught:
            strict.list(extra={typo: "x"})
        (problem,) = caught.value.problems
        assert problem.location == f"extra.{typo}"
        if meant is not None:
            assert f"did you mean '{meant}'" in problem.message, problem.message
        with pytest.warns(UnsupportedFeatureWarning, match=rf"list filter '{typo}'.*dropped"):
            lenient.list(extra={typo: "x"})
    finally:
        strict.close()
        lenient.close()


@settings(max_examples=25, deadline=None)
@given(key=st.text(min_size=1, max_size=20).filter(lambda k: k.isprintable()))
def test_the_plain_fake_refuses_every_list_filter_it_would_ignore(key: str) -> None:
    # The fake filters only by template, status and page size: any extra key would be ignored.
    with walletpass.connect("fake") as wallet, pytest.raises(ValidationError) as caught:
        wallet.list(extra={key: "x"})
    assert [p.location for p in caught.value.problems] == [f"extra.{key}"]
