"""The ``.pkpass`` container: a zip holding ``pass.json``, the images and ``manifest.json``.

Pass2U has no JSON read of a pass; the only way to see a pass's state is to download its
``.pkpass`` and read ``pass.json``. The provider reads it here; the emulator writes one here.
Apple's signature file is not produced: the emulator's passes are for tests, not for iPhones.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from typing import Any

from walletpass.nesting import MAX_JSON_DEPTH, nests_deeper_than

__all__ = ["PKPASS_MAGIC", "build_pkpass", "read_pass_json", "read_pkpass"]

#: Every zip file (and so every .pkpass) starts with a local file header.
PKPASS_MAGIC = b"PK\x03\x04"


def build_pkpass(pass_json: Mapping[str, Any], files: Mapping[str, bytes] | None = None) -> bytes:
    """A ``.pkpass`` zip with ``pass.json``, ``files`` (e.g. ``icon.png``) and the manifest."""
    contents: dict[str, bytes] = {
        "pass.json": json.dumps(pass_json, ensure_ascii=False, indent=2).encode("utf-8")
    }
    contents.update(files or {})
    manifest = {name: hashlib.sha1(data).hexdigest() for name, data in sorted(contents.items())}
    contents["manifest.json"] = json.dumps(manifest, indent=2).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def read_pkpass(data: bytes) -> dict[str, bytes]:
    """Every file in a ``.pkpass``, by name; ``ValueError`` when it is not a readable zip."""
    return _read(data, None)


def read_pass_json(data: bytes) -> dict[str, Any]:
    """``pass.json`` of a ``.pkpass``, parsed; ``ValueError`` when missing, not an object, or
    nested more than :data:`~walletpass.nesting.MAX_JSON_DEPTH` levels deep.

    Only ``pass.json`` is decompressed (a read needs nothing else: the images are most of the
    file, and none of them was used).
    """
    raw = _read(data, "pass.json").get("pass.json")
    if raw is None:
        raise ValueError("the .pkpass file has no pass.json")
    try:
        parsed = json.loads(raw.decode(_encoding(raw)))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"pass.json is not valid JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise ValueError("pass.json is not a JSON object")
    if nests_deeper_than(parsed, raw):
        raise ValueError(f"pass.json nests objects and arrays more than {MAX_JSON_DEPTH} levels")
    return parsed


def _encoding(raw: bytes) -> str:
    """The codec that reads ``raw`` as UTF-8 with an optional byte order mark: utf-8-sig where
    the mark is there, else utf-8, which decodes (or refuses, with the same error) anything
    without the mark as utf-8-sig would; utf-8-sig's decoder is a Python-level codec, utf-8's
    the interpreter's own."""
    return "utf-8-sig" if raw.startswith(codecs.BOM_UTF8) else "utf-8"


def _read(data: bytes, only: str | None) -> dict[str, bytes]:
    """The files of a ``.pkpass`` by name (``only``: that one file, when it is there)."""
    if not data.startswith(PKPASS_MAGIC):
        raise ValueError("the answer is not a .pkpass (zip) file")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if only is None:
                return {name: archive.read(name) for name in archive.namelist()}
            try:
                # (by its name, as reading each listed name finds it: a name given twice is the
                # archive's last entry of that name either way)
                info = archive.getinfo(only)
            except KeyError:
                return {}
            return {only: archive.read(info)}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise ValueError(f"the .pkpass file is damaged: {exc}") from None
