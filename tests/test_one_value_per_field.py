"""Two of the application's names never land in one template field silently.

An alias renames ``seat`` to the template's ``gate``; a pass that also sets a field literally
named ``gate`` (which the alias does not rename, so it keeps its name) would send both to the
template field ``gate``, where one value would silently replace the other. Refused before
anything is sent, on create and update, whichever value comes first.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import Pass, PassUpdate

TEMPLATES = {"t": {"id": "t", "fields": {"seat": "gate", "row": {"key": "r", "type": "int"}}}}

#: Pairs of names that go to one template field.
CLASHES = [("seat", "gate"), ("row", "r")]


@pytest.mark.parametrize(("renamed", "literal"), CLASHES)
@pytest.mark.parametrize("first", ["renamed", "literal"])
@pytest.mark.parametrize("operation", ["create", "update"])
def test_two_names_for_one_template_field_are_refused(
    renamed: str, literal: str, first: str, operation: str
) -> None:
    fields: dict[str, Any] = (
        {renamed: 1, literal: 2} if first == "renamed" else {literal: 2, renamed: 1}
    )
    with walletpass.connect("fake", templates=TEMPLATES) as wallet:
        issued = wallet.create(Pass(template="t", fields={"seat": "A"}))
        sent = len(wallet.calls)
        with pytest.raises(walletpass.ValidationError) as refused:
            if operation == "create":
                wallet.create(Pass(template="t", fields=fields))
            else:
                wallet.update(issued.id, PassUpdate(fields=fields))
        assert len(wallet.calls) == sent
        assert f"fields.{literal}: is template field" in str(refused.value)
        assert f"write fields.{renamed}" in str(refused.value)
        assert wallet.get(issued.id).fields == {"seat": "A"}


@given(st.dictionaries(st.sampled_from(["seat", "gate", "row", "r", "other"]), st.integers(0, 9)))
@settings(max_examples=60, deadline=None)
def test_what_is_accepted_reads_back_under_the_names_written(fields: dict[str, int]) -> None:
    with walletpass.connect("fake", templates=TEMPLATES) as wallet:
        try:
            issued = wallet.create(Pass(template="t", fields=fields or None))
        except walletpass.ValidationError as refused:
            # Only a template key the alias renames is refused, naming the name to write.
            assert "gate" in fields or "r" in fields
            assert "write fields.seat" in str(refused) or "write fields.row" in str(refused)
            return
        assert wallet.get(issued.id).fields == fields
