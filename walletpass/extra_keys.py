"""The one rule for ``extra`` keys, on every provider.

``Pass.extra`` / ``PassUpdate.extra`` reach a vendor feature the neutral model does not cover, by
the vendor's own top-level request keys. A provider lists the keys its vendor documents
(:meth:`walletpass.provider.Provider.documented_extra_keys`); a key outside that list is most
likely a typo, since the vendor would ignore it (or refuse the request):

* strict mode refuses it before anything is sent (``ValidationError`` at ``extra.<key>``, with the
  closest documented key when one is close);
* lenient mode drops that key only, with an ``UnsupportedFeatureWarning`` naming it.

What a documented key *holds* is checked by the provider's own validators, as any other value.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from walletpass.errors import FieldProblem
from walletpass.suggest import did_you_mean

__all__ = ["undocumented_extra_keys", "unknown_key_problem"]


def undocumented_extra_keys(
    extra: Mapping[str, Any] | None, documented: Collection[str]
) -> list[str]:
    """The keys of ``extra`` that are not in ``documented``, in the caller's order."""
    return [key for key in (extra or {}) if key not in documented]


def unknown_key_problem(key: str, documented: Collection[str]) -> FieldProblem:
    """The refusal of one undocumented key, with a "did you mean" when one is close (worded the
    same for a vendor and for the fake wearing its profile)."""
    suggestion = did_you_mean(key, sorted(documented))
    hint = f" ({suggestion})" if suggestion else ""
    listed = ", ".join(sorted(documented)) or "none"
    return FieldProblem(
        f"extra.{key}",
        f"is not a request key the vendor documents{hint}: a typo would be ignored or refused "
        f"by the vendor. Documented keys: {listed}",
    )
