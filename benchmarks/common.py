"""What every benchmark shares: the result row and emulators served from their own process."""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent


@dataclass
class Row:
    section: str
    name: str
    walletpass: str
    baseline: str
    ratio: float | None
    target: str
    met: bool | None
    #: The ratio of the fastest rounds (min over min), where rounds were timed: the load of a
    #: shared machine disturbs the fastest rounds least.
    min_ratio: float | None = None

    def cells(self) -> list[str]:
        ratio = "n/a" if self.ratio is None else f"{self.ratio:.3f}x"
        min_ratio = "-" if self.min_ratio is None else f"{self.min_ratio:.3f}x"
        verdict = {True: "yes", False: "NO", None: "-"}[self.met]
        return [
            self.section,
            self.name,
            self.walletpass,
            self.baseline,
            ratio,
            min_ratio,
            self.target,
            verdict,
        ]


def spread(seconds: list[float]) -> str:
    """min / median / max of per-call times over the rounds, in milliseconds."""
    ms = sorted(t * 1000 for t in seconds)
    return f"{ms[0]:.3f} / {statistics.median(ms):.3f} / {ms[-1]:.3f} ms"


def ratio_of_medians(ours: list[float], theirs: list[float]) -> float:
    return statistics.median(ours) / statistics.median(theirs)


def ratio_of_minimums(ours: list[float], theirs: list[float]) -> float:
    return min(ours) / min(theirs)


# ------------------------------------------------------------------------------------------
# Emulators in their own process
# ------------------------------------------------------------------------------------------


@dataclass
class Emulator:
    url: str
    api_key: str


@contextmanager
def emulator(vendor: str, *, latency: float = 0.0, **options: Any) -> Iterator[Emulator]:
    args = [sys.executable, str(HERE / "emulator_process.py"), vendor, "--latency", str(latency)]
    for key, value in options.items():
        args += ["--option", f"{key}={json.dumps(value)}"]
    process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the {vendor} emulator did not start")
        info = json.loads(line)
        yield Emulator(info["url"], info["api_key"])
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=10)


def raw_headers_and_body(provider: Any, request: Any) -> tuple[dict[str, str], bytes | None]:
    """What every raw baseline sends for ``request`` (a provider's built ``VendorRequest``):
    the headers and JSON body written by hand, as walletpass's build hooks mean them, with none
    of walletpass's checks."""
    headers = {
        "Accept": "application/json",
        **provider.auth_headers(),
        **provider.default_headers(),
        **request.headers,
    }
    body = None
    if request.has_json:
        headers["Content-Type"] = "application/json"
        body = json.dumps(request.json, separators=(",", ":")).encode()
    return headers, body


#: Every zip file, and so every ``.pkpass``, starts with a local file header.
_ZIP_MAGIC = b"PK\x03\x04"


def decoded_answer(content: bytes, request: Any) -> Any:
    """An answer as a raw client of the vendor uses it, with none of walletpass's checks: a JSON
    answer parsed; a ``.pkpass`` (Pass2U's only read of a pass: vendor-api/pass2u.md §4.4)
    opened with ``zipfile`` and its ``pass.json`` parsed, the one document a client must read
    from it to know the pass (walletpass's ``get`` reads the same and no more); other bytes as
    they came. Since 2026-12-01 (11:00); before, a ``.pkpass`` answer was left undecoded, so the
    baseline of Pass2U's ``get`` and ``update`` rows did less than any client of that read."""
    if request.expect == "json":
        return json.loads(content) if content else content
    if content.startswith(_ZIP_MAGIC):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return json.loads(archive.read("pass.json"))
    return content


def raw_query(query: Any) -> str:
    """``query`` as a query string, booleans as vendors read them (``true``), as walletpass's
    build hooks mean them."""
    items = query.items() if isinstance(query, dict) else query
    return urlencode(
        [
            (key, ("true" if value else "false") if isinstance(value, bool) else value)
            for key, value in items
        ],
        doseq=True,
    )


#: The start-up baseline: what walletpass depends on, imported (``import pydantic`` alone is
#: lazy; ``BaseModel`` is what loading pydantic for real costs).
STARTUP_BASELINE = (
    "import requests, stevedore, dateutil.parser, dateutil.tz; from pydantic import BaseModel"
)
#: The start-up path measured against it: import, the first ``connect('fake')``, one create.
FIRST_CREATE = (
    "import walletpass; w = walletpass.connect('fake');"
    " w.create(walletpass.Pass(template='t', fields={'name': 'Ada'})); w.close()"
)
