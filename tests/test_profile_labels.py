"""Every error a vendor profile raises names the profile, ``fake(profile=<vendor>)``.

An application's tests run against the profile; an error labelled ``fake`` (or with the bare
vendor name) would read as if it came from the plain fake (or from the vendor itself). Each
failure path below stands for a kind: a read-back the profile cannot convert (InvalidResponse),
state errors (NotFound, AlreadyRedeemed), input errors (ValidationError), missing operations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import walletpass
from walletpass import Holder, Pass, WalletPassError

TEMPLATES = {
    "pass2u": "7001",
    "passentry": "5f0e9c1d2b3a4f5e6d7c8b9a",
    "livepasses": "tmpl-coffee",
    "livepass": "membership-card",
}


@pytest.fixture(params=sorted(TEMPLATES))
def profile(request: pytest.FixtureRequest) -> Iterator[walletpass.Provider]:
    vendor = request.param
    aliases = {
        "card": {
            "id": TEMPLATES[vendor],
            "kind": "loyalty",
            "fields": {"level": {"key": "membership_tier", "type": "int"}},
            **({"attributes": {"external_id": "member_no"}} if vendor == "pass2u" else {}),
        }
    }
    with walletpass.connect("fake", profile=vendor, templates=aliases) as fake:
        yield fake


def _card(fake: walletpass.Provider, **fields: Any) -> str:
    return fake.create(
        Pass(
            template=TEMPLATES[fake.profile],  # type: ignore[attr-defined]
            kind="loyalty",
            external_id="M-1",
            holder=Holder(name="Ada Lovelace"),
            fields=fields,
        )
    ).id


def _unreadable(fake: walletpass.Provider) -> Any:
    # Written under the vendor's key, read through an alias that types it: not a whole number.
    return fake.get(_card(fake, membership_tier="gold"))


def _missing(fake: walletpass.Provider) -> Any:
    return fake.get("fp_0123456789abcdef")


def _bad_input(fake: walletpass.Provider) -> Any:
    return fake.create(Pass(template="card", fields={"level": "many"}))


def _twice(fake: walletpass.Provider) -> Any:
    pass_id = _card(fake)
    fake.redeem(pass_id)
    return fake.redeem(pass_id)


def _list(fake: walletpass.Provider) -> Any:
    return list(fake.list(template="card"))


FAILURES: dict[str, Callable[[walletpass.Provider], Any]] = {
    "unreadable": _unreadable,
    "missing": _missing,
    "bad_input": _bad_input,
    "redeem_twice": _twice,
    "list": _list,
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_a_profiles_errors_name_the_profile(profile: walletpass.Provider, failure: str) -> None:
    vendor = profile.profile  # type: ignore[attr-defined]
    label = f"fake(profile={vendor})"
    try:
        FAILURES[failure](profile)
    except WalletPassError as exc:
        assert exc.provider == label, repr(exc)
        text = str(exc).replace(label, "<label>")
        # Neither the plain fake's name nor the bare vendor name stands in for the profile.
        assert "fake" not in text, text
        assert f"[{vendor}" not in text and f"{vendor} answered" not in text, text
    else:
        # The step succeeded: only where the vendor really does it (a listing, a reusable
        # pass redeemed twice); nothing to label then.
        assert failure in ("list", "redeem_twice", "unreadable")


def test_a_profiles_unreadable_answer_is_labelled() -> None:
    """The reported case: the read-back's InvalidResponse named ``fake``."""
    typed = {"pts": {"key": "p", "type": "int"}}
    aliases = {"card": {"id": TEMPLATES["passentry"], "fields": typed}}
    with walletpass.connect("fake", profile="passentry", templates=aliases) as fake:
        issued = fake.create(
            Pass(template=TEMPLATES["passentry"], holder=Holder(name="A B"), fields={"p": "x"})
        )
        with pytest.raises(walletpass.InvalidResponse) as caught:
            fake.get(issued.id)
    assert caught.value.provider == "fake(profile=passentry)"
    assert str(caught.value).startswith(
        "[fake(profile=passentry).get] fake(profile=passentry) answered values of the wrong type"
    )
