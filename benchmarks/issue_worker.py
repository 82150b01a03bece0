"""One benchmark worker process: issue Pass2U passes with create_many, started on a signal.

Usage: python benchmarks/issue_worker.py URL API_KEY COUNT TAG BACKEND|- [RATE_LIMIT]

Prints ``ready`` once connected, waits for a line on standard input (so that every worker starts
at the same moment), then prints one JSON line: ``{"ok": n, "failed": n, "errors": {...}}``.
Retries are off, so a 429 from the vendor shows as a failed item rather than being hidden.
"""

from __future__ import annotations

import json
import sys
from collections import Counter

import walletpass
from walletpass import Barcode, Pass


def main() -> None:
    url, key, count, tag, backend = sys.argv[1:6]
    settings: dict[str, object] = {
        "base_url": url,
        "api_key": key,
        "max_retries": 0,
        "concurrency": 8,
    }
    if len(sys.argv) > 6:
        settings["rate_limit"] = float(sys.argv[6])
    if backend != "-":
        settings["rate_limit_backend"] = backend
    wallet = walletpass.connect("pass2u", **settings)
    passes = [
        Pass(template="1919", barcode=Barcode(message=f"{tag}-{i}"), fields={"name": f"M {i}"})
        for i in range(int(count))
    ]
    # Warm up what the first call would load lazily (models, the transport, the limiter), so the
    # measured run is the issuing alone.
    wallet.prepare_create(passes[0])
    _ = wallet.transport
    print("ready", flush=True)
    sys.stdin.readline()
    result = wallet.create_many(passes)
    errors = Counter(type(item.error).__name__ for item in result.items if not item.ok)
    print(
        json.dumps({"ok": result.succeeded, "failed": result.failed, "errors": errors}), flush=True
    )
    wallet.close()


if __name__ == "__main__":
    main()
