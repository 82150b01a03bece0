"""``extra``: the vendor-specific passthrough every provider lays over the body it built.

A user reaches a vendor feature the neutral model does not cover by putting it in ``extra``; the
provider merges it last into the request body, so it can add keys or override what walletpass
wrote. One rule for every vendor: objects merge key by key, anything else replaces.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

__all__ = ["merge_extra"]


def merge_extra(body: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``extra`` laid over ``body``: mappings merge recursively, any other value replaces.

    Values taken from ``extra`` are copied, so the request never shares (and a later change to
    the caller's dict never alters) what was sent; ``body`` itself is not modified.
    """
    merged = dict(body)
    for key, value in extra.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = merge_extra(current, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
