"""The presentation completes the copy the round trip made for the call (its
``unknown_parts``) instead of copying the pass again: the pass a parse hook handed it is never
changed, and what comes out is what a second copy would have been, value for value and field set
for field set."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import walletpass
from walletpass import IssuedPass, PassKind, PassStatus

_wallet = walletpass.connect("fake")
_ID = str(_wallet.create({"template": "t-1", "fields": {"a": "b"}}).id)


def _state(issued: IssuedPass) -> tuple[dict[str, Any], set[str]]:
    return dict(issued.__dict__), set(issued.model_fields_set)


@given(
    template=st.one_of(st.none(), st.text(min_size=1, max_size=8).filter(str.isprintable)),
    vendor_template=st.one_of(st.none(), st.just("vt-1")),
    kind=st.one_of(st.none(), st.sampled_from(PassKind)),
    fields=st.dictionaries(
        st.text(min_size=1, max_size=6).filter(str.isprintable),
        st.one_of(st.none(), st.just(""), st.text(max_size=6), st.integers()),
        max_size=4,
    ),
    unknown=st.frozensets(st.sampled_from(["fields", "balance", "urls"]), max_size=2),
    answer=st.sampled_from(["create", "update", "get", "list"]),
)
def test_present_leaves_the_given_pass_alone_and_equals_a_copy(
    template: str | None,
    vendor_template: str | None,
    kind: PassKind | None,
    fields: dict[str, Any],
    unknown: frozenset[str],
    answer: str,
) -> None:
    issued = IssuedPass(
        id=_ID,
        vendor_id=_ID,
        provider="fake",
        template=template,
        vendor_template=vendor_template,
        kind=kind,
        status=PassStatus.ISSUED,
        fields=fields,
        # (given only when not empty: a pass whose parse said nothing of them)
        **({"unknown_parts": unknown} if unknown else {}),
    )
    before = _state(issued)
    presented = _wallet.present(issued, answer=answer)
    assert _state(issued) == before  # the parse hook's pass is never changed
    # What copying the round trip's result once more would give:
    from walletpass.readback import unknown_parts
    from walletpass.roundtrip import issued_from_vendor

    mapping = _wallet.mapping_for_vendor_template(issued.template)
    expected = issued_from_vendor(issued, mapping, label=_wallet.label)
    parts = issued.unknown_parts | unknown_parts(expected, _wallet.behaviour, answer)
    if parts != expected.unknown_parts:
        expected = expected.model_copy(update={"unknown_parts": parts})
    assert _state(presented) == _state(expected)
    assert presented == expected
