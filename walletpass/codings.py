"""The content codings walletpass accepts in answers: those urllib3's decoders can decode here.

Both transports send this ``Accept-Encoding`` and decompress with urllib3's decoders (the sync
one through its responses, the async one through :class:`walletpass.bounds.BoundedBody`). It is
decided without loading urllib3, so the async API, which never sends through urllib3, loads it
only when an answer comes compressed. The rule is urllib3's (``urllib3.util.request``): gzip and
deflate always, ``br`` when brotlicffi or brotli imports, ``zstd`` when Python's
``compression.zstd`` (3.14) or ``backports.zstd`` imports; a test compares it with urllib3's own
``make_headers(accept_encoding=True)``.
"""

from __future__ import annotations

import importlib
import sys

__all__ = ["ACCEPT_ENCODING"]


def _imports(*names: str) -> bool:
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        return True
    return False


def _accepted() -> str:
    codings = ["gzip", "deflate"]
    if _imports("brotlicffi", "brotli"):
        codings.append("br")
    if _imports("compression.zstd" if sys.version_info >= (3, 14) else "backports.zstd"):
        codings.append("zstd")
    return ", ".join(codings)


#: What requests' session sent unless told otherwise: the codings urllib3 can decode here.
ACCEPT_ENCODING = _accepted()
