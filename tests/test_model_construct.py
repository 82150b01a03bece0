"""NeutralModel.model_construct builds, in one step, the instance pydantic's model_construct
builds: the same values unvalidated, the same defaults for fields not given, the same fields set
(providers make a vendor's barcode or holder this way, kept as the vendor answered it)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from walletpass.model import (
    Balance,
    Barcode,
    BarcodeFormat,
    Event,
    Holder,
    IssuedPass,
    NeutralModel,
    PassField,
    PassKind,
    PassUrls,
    Redemption,
)

#: Models providers construct, and models whose defaults pydantic's own path must handle
#: (factories, defaults it copies): both ways must agree on all of them.
_MODELS: list[type[NeutralModel]] = [
    Barcode,
    Holder,
    Balance,
    PassUrls,
    PassField,
    Event,
    IssuedPass,
    Redemption,
]

_anything = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.integers(),
    st.booleans(),
    st.sampled_from(
        [BarcodeFormat.QR, PassKind.LOYALTY, Decimal("1.5"), datetime(2026, 1, 1, tzinfo=UTC)]
    ),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@st.composite
def _given(draw: st.DrawFn) -> tuple[type[NeutralModel], dict[str, Any]]:
    model = draw(st.sampled_from(_MODELS))
    names = [*model.model_fields, "not_a_field"]
    chosen = draw(st.lists(st.sampled_from(names), unique=True))
    return model, {name: draw(_anything) for name in chosen}


def _pydantics(model: type[NeutralModel], values: dict[str, Any]) -> BaseModel:
    return BaseModel.model_construct.__func__(model, **values)  # type: ignore[attr-defined, no-any-return]


@settings(max_examples=300, deadline=None)
@given(case=_given())
def test_the_one_step_instance_is_pydantics(
    case: tuple[type[NeutralModel], dict[str, Any]],
) -> None:
    model, values = case
    made = model.model_construct(**dict(values))
    expected = _pydantics(model, dict(values))
    assert type(made) is type(expected)
    assert list(made.__dict__) == list(expected.__dict__)
    assert made.__dict__ == expected.__dict__
    assert {k: type(v) for k, v in made.__dict__.items()} == {
        k: type(v) for k, v in expected.__dict__.items()
    }
    assert made.model_fields_set == expected.model_fields_set
    assert made.__pydantic_extra__ == expected.__pydantic_extra__
    assert made.__pydantic_private__ == expected.__pydantic_private__
    if set(values) >= {n for n, f in model.model_fields.items() if f.is_required()}:
        assert made == expected
        assert repr(made) == repr(expected)


def test_a_given_fields_set_is_kept() -> None:
    made = Barcode.model_construct({"message"}, message="abc", format=None)
    assert made.model_fields_set == {"message"}
    assert made.format is None
    assert made.alt_text is None


def test_a_vendors_barcode_is_kept_unvalidated_and_frozen() -> None:
    made = Barcode.model_construct(message="", format=None, alt_text=None)
    assert made.message == ""
    assert made == _pydantics(Barcode, {"message": "", "format": None, "alt_text": None})
    with pytest.raises(PydanticValidationError, match="frozen"):
        made.message = "x"  # type: ignore[misc]
