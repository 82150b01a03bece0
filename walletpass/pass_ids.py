"""Opaque pass ids: the one way a provider's ``decode_id`` hook refuses a malformed id.

A provider knows what its ids look like; the core decides how a wrong one is reported: a
``ValidationError`` located at ``pass_id``, raised before any request. A vendor rule comes in
either of two forms, and :func:`decode_pass_id` takes both:

* a decoder that unpacks the id and raises ``ValueError`` saying what is wrong (Pass2U's
  ``<modelId>.<passId>``, LivePass's ``<type>.<id>``);
* a ``why not`` check, ``problem(value) -> str | None``, for ids used as they are (PassEntry's
  UUID or extId, Livepasses' pass id), wrapped by :func:`checked_by`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from walletpass.errors import FieldProblem, ValidationError

__all__ = ["checked_by", "decode_pass_id"]

T = TypeVar("T")


@functools.lru_cache(maxsize=64)
def checked_by(problem: Callable[[str], str | None]) -> Callable[[str], str]:
    """A decoder returning the id unchanged, raising ``ValueError(problem(id))`` when it is set.

    The same ``problem`` gives the same decoder (so :func:`decode_pass_id` remembers its ids).
    """

    def decode(pass_id: str) -> str:
        why = problem(pass_id)
        if why is not None:
            raise ValueError(why)
        return pass_id

    return decode


def decode_pass_id(pass_id: str, decode: Callable[[str], T], *, provider: str) -> T:
    """``decode(pass_id)``, its ``ValueError`` reported as the caller's invalid ``pass_id``.

    A call checks its id several times (the caller's id, the request's path, the answer's id
    before it is handed back): the last ids each decoder accepted are remembered, so an id is
    decoded once. A decoder is a pure function of the id (what the id itself says).

    :param decode: the vendor's decoder (or :func:`checked_by` of its id check).
    :param provider: the provider name the error carries.
    :raises ValidationError: located at ``pass_id``, with the decoder's reason.
    """
    key = (decode, pass_id)
    try:
        known = _decoded.get(key, _UNKNOWN)
    except TypeError:  # not text (unhashable): the decoder says what is wrong with it
        known = _UNKNOWN
    if known is not _UNKNOWN:
        # (what decode made of this id: returned as it is, where a cast() call cost more than
        # the look-up, on each of the several checks of a call's id)
        return known  # type: ignore[no-any-return]
    try:
        decoded = decode(pass_id)
    except ValueError as exc:
        raise ValidationError.from_problems(
            [FieldProblem("pass_id", str(exc))], provider=provider
        ) from None
    if isinstance(pass_id, str):
        if len(_decoded) >= _REMEMBERED:
            _decoded.clear()  # (bounded; ids of a run come back soon after they were made)
        _decoded[key] = decoded
    return decoded


#: Ids accepted lately, by (decoder, id): what the decoder made of each.
_decoded: dict[tuple[Callable[[str], Any], str], Any] = {}
_REMEMBERED = 1024
_UNKNOWN = object()
