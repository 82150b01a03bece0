"""A provider's vendor rules on their own: what its build and ``check`` find, nothing sent.

For unit tests of a provider's rules (lengths, per-kind rules, reserved keys), property-based
ones in particular: the problems come back as a list instead of one raised ``ValidationError``,
and no template mapping, capability or count check runs first (``prepare_create`` runs those).
"""

from __future__ import annotations

from typing import cast

from walletpass.contract import ProviderContract
from walletpass.errors import FieldProblem, ValidationError
from walletpass.model import Pass, PassUpdate
from walletpass.preparation import builds_in_one_request, vendor_check

__all__ = ["vendor_problems"]


def vendor_problems(
    provider: ProviderContract, subject: Pass | PassUpdate, pass_id: str | None = None
) -> list[FieldProblem]:
    """The problems ``provider``'s vendor rules find in ``subject``.

    A ``Pass`` goes through ``build_create``, a ``PassUpdate`` through ``build_update`` (for
    ``pass_id``, or the provider's ``sample_pass_id`` when none is given), then ``check`` with
    the request built (``None`` where the operation has no one-request build hook) and, for an
    update, that pass id. A build
    that refuses (``ValidationError``) gives its problems. Returns ``[]`` when the rules accept
    ``subject``. Pure: nothing is sent.
    """
    rules = provider.vendor_rules
    if rules is None:
        return []
    operation = "create" if isinstance(subject, Pass) else "update"
    target = None if isinstance(subject, Pass) else pass_id or rules.sample_pass_id(None)
    try:
        if not builds_in_one_request(rules, operation):
            request = None
        elif target is None:
            request = rules.build_create(cast("Pass", subject))
        else:
            request = rules.build_update(target, cast("PassUpdate", subject))
    except ValidationError as exc:
        return list(exc.problems)
    return vendor_check(rules, request, subject, target)
