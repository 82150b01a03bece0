"""The one rule for a vendor's integer member (walletpass.values.integer_problem): ints and whole
decimals pass, every float is refused (whole or not), with what to pass instead."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from walletpass.values import MAX_INTEGER, integer_problem

exact = st.integers(min_value=-MAX_INTEGER, max_value=MAX_INTEGER)


@given(exact)
def test_an_int_json_keeps_exactly_passes(value: int) -> None:
    assert integer_problem(value) is None


@given(exact, st.integers(min_value=0, max_value=6))
def test_a_whole_decimal_passes_however_it_is_written(value: int, zeros: int) -> None:
    written = Decimal(value).quantize(Decimal(1).scaleb(-zeros)) if zeros else Decimal(value)
    assert integer_problem(written) is None


@given(st.floats())
def test_every_float_is_refused(value: float) -> None:
    problem = integer_problem(value)
    assert problem is not None and "not the float" in problem
    if value.is_integer() and abs(value) < 2**53:
        assert f"pass {int(value)}, an int" in problem


@given(
    st.decimals(allow_nan=False, allow_infinity=False).filter(lambda d: d != d.to_integral_value())
)
def test_a_fraction_is_refused(value: Decimal) -> None:
    assert integer_problem(value) is not None


@given(st.one_of(st.booleans(), st.text(), st.none(), st.integers(min_value=2**53)))
def test_anything_else_is_refused(value: object) -> None:
    assert integer_problem(value) is not None
