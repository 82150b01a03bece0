"""Which generated pass belongs to which recipient.

A generate answer (``passes[]``) and a batch status (``generatedPasses[]``) list passes without
saying which input recipient each one is. The SDK just hands the list over; walletpass must put
every outcome at its input's position, so it matches explicitly and refuses to guess:

* when the answer lists one line per settled recipient, lines are taken in order, but only if each
  line agrees with its recipient's email and confirmation code wherever both are known;
* otherwise lines are matched by confirmation code, then by an email that is unique on both sides;
  a recipient left without a line is reported, never given someone else's pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from walletpass_livepasses.records import BatchPass

__all__ = ["RecipientKey", "match_lines"]


@dataclass(frozen=True, slots=True)
class RecipientKey:
    """What identifies a recipient in an answer: the email and confirmation code we sent."""

    email: str | None = None
    confirmation_code: str | None = None


def _same(a: str | None, b: str | None, *, fold: bool = False) -> bool:
    if a is None or b is None:
        return True
    return a.casefold() == b.casefold() if fold else a == b


def _agrees(key: RecipientKey, line: BatchPass) -> bool:
    return _same(key.email, line.email, fold=True) and _same(
        key.confirmation_code, line.confirmation_code
    )


def match_lines(
    keys: Sequence[RecipientKey], lines: Sequence[BatchPass], *, in_order: bool
) -> list[BatchPass | None]:
    """One line (or ``None``) per recipient.

    ``in_order``: the answer lists every settled recipient, failures included, in input order
    (then the first ``len(lines)`` recipients are the settled ones).
    """
    if in_order and len(lines) <= len(keys) and all(map(_agrees, keys, lines)):
        return [*lines, *([None] * (len(keys) - len(lines)))]
    matched: list[BatchPass | None] = [None] * len(keys)
    used: set[int] = set()

    def unique(values: list[str | None], value: str) -> bool:
        return sum(1 for v in values if v is not None and v == value) == 1

    line_codes = [line.confirmation_code for line in lines]
    for index, key in enumerate(keys):
        code = key.confirmation_code
        if code is None or not unique(line_codes, code):
            continue
        at = line_codes.index(code)
        if at not in used and _agrees(key, lines[at]):
            matched[index] = lines[at]
            used.add(at)
    key_emails = [k.email.casefold() if k.email else None for k in keys]
    line_emails = [line.email.casefold() if line.email else None for line in lines]
    for index, email in enumerate(key_emails):
        if matched[index] is not None or email is None:
            continue
        if not unique(key_emails, email) or not unique(line_emails, email):
            continue
        at = line_emails.index(email)
        if at not in used and _agrees(keys[index], lines[at]):
            matched[index] = lines[at]
            used.add(at)
    return matched
