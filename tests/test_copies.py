"""Changed copies of checked models (walletpass.copies): what a change sets stays exact."""

from __future__ import annotations

from walletpass import Holder, Pass, PassUpdate
from walletpass.copies import replaced


def test_a_replaced_field_counts_as_set_and_the_rest_is_kept() -> None:
    change = PassUpdate(fields={"name": "Ada"})
    copy = replaced(change, {"message": "Now %@"})
    assert copy.message == "Now %@"
    assert copy.fields == {"name": "Ada"}
    assert copy.model_fields_set == {"fields", "message"}
    assert change.message is None and change.model_fields_set == {"fields"}  # unchanged


def test_an_unset_field_returns_to_its_default_and_is_no_longer_a_change() -> None:
    change = PassUpdate(fields={"name": "Ada"}, holder=Holder(name="Ada"), extra={"a": 1})
    copy = replaced(change, {"fields": {"name": "Bea"}}, unset=["holder", "extra"])
    assert copy.holder is None and copy.extra is None
    assert copy.model_fields_set == {"fields"}
    # Cleared (set to None) is another change than omitted: it stays a change.
    cleared = replaced(change, {"holder": None}, unset=["holder"])
    assert cleared.holder is None and "holder" in cleared.model_fields_set


def test_a_copy_equals_the_model_built_from_scratch() -> None:
    new_pass = Pass(template="t", fields={"name": "Ada"}, external_id="m-1")
    copy = replaced(new_pass, {"template": "vendor-7", "fields": {"fullName": "Ada"}})
    assert copy == Pass(template="vendor-7", fields={"fullName": "Ada"}, external_id="m-1")
    assert copy.model_fields_set == new_pass.model_fields_set
