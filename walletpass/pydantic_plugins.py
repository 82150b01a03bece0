"""One scan of the installed packages' entry points at start-up, not two.

pydantic looks for its plugins (entry point group ``pydantic``) when it builds its first
validator, by reading the entry points of every installed distribution: about as long as
importing walletpass's own modules takes. Finding a provider by name already had stevedore read
the same table (every group, cached on disk per ``sys.path``), so when that table lists no
pydantic plugin, pydantic is told so and skips its scan. With a plugin installed (or anything
here not as expected) pydantic scans and loads its plugins exactly as it always does.

Both hooks are private to their libraries (pydantic's plugin cache, stevedore's entry-point
table); every access is guarded, so a version that moves them costs the scan again, nothing else.
"""

from __future__ import annotations

__all__ = ["skip_scan_when_none_installed"]

# pydantic's "not scanned yet" marker is ``None``; a missing attribute must not look like it.
_ABSENT = object()


def skip_scan_when_none_installed() -> None:
    """Record "no pydantic plugin installed" in pydantic's plugin cache when stevedore's
    entry-point table for the current ``sys.path`` lists none and pydantic has not scanned yet.

    Call after stevedore has read its table (:func:`walletpass.registry.load_provider_class`),
    so the table is in memory. Never raises.
    """
    try:
        from pydantic.plugin import _loader as loader
    except ImportError:  # a pydantic without plugins
        return
    scanned = getattr(loader, "_plugins", _ABSENT) is not None
    if scanned or getattr(loader, "_loading_plugins", True):
        return  # already scanned, being scanned, or not the cache this module knows
    group = getattr(loader, "PYDANTIC_ENTRY_POINT_GROUP", None)
    if group != "pydantic":
        return
    try:
        from stevedore import _cache

        listed = _cache.get_group_all(group)
    except Exception:  # any failure leaves pydantic to scan by itself
        return
    if not listed and loader._plugins is None:
        loader._plugins = {}
