"""walletpass's Livepasses provider vs the official ``livepasses`` SDK, side by side.

Both clients talk to the same Livepasses emulator (its own process) with their default settings,
as a user would run them: single calls interleaved in rounds (medians reported), then a
1,000-recipient generate-and-wait, alternating which client goes first. The SDK is installed
only in the development/benchmark environment (the ``vendor-sdks`` extra); when it is missing
the rows say so instead of failing the whole run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from common import Row, emulator, ratio_of_medians, ratio_of_minimums, spread

import walletpass
from walletpass import Holder, Pass, PassKind

TEMPLATE = "tmpl-001"
#: Recipients generated per second by the emulator's batch worker (its default); both clients
#: wait for the same work, so only how soon each notices the end differs.
BATCH_RATE = 200.0


def _ours(run: str, i: int) -> Pass:
    return Pass(
        template=TEMPLATE,
        kind=PassKind.EVENT_TICKET,
        holder=Holder(first_name="Guest", last_name=f"{run}{i}", email=f"{run}{i}@example.com"),
        fields={"sectionInfo": "Floor", "rowInfo": "B", "seatNumber": str(i)},
    )


def _theirs(sdk_types: Any, run: str, i: int) -> Any:
    return sdk_types.PassRecipient(
        customer=sdk_types.CustomerInfo(
            first_name="Guest", last_name=f"{run}{i}", email=f"{run}{i}@example.com"
        ),
        business_data=sdk_types.BusinessData(
            section_info="Floor", row_info="B", seat_number=str(i)
        ),
    )


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    answer = action()
    return time.perf_counter() - started, answer


def _http_client_floor(url: str, api_key: str, *, ids: list[str], rounds: int) -> Row:
    """The same GET through a bare urllib3 connection pool (what walletpass sends through) and
    bare httpx (the SDK's HTTP client): what each costs before any code on top of it runs."""
    import json
    from urllib.parse import urlencode

    import httpx
    import urllib3

    headers = {"X-API-Key": api_key, "Accept": "application/json"}
    lookup = f"{url}/api/passes/lookup"
    times: dict[str, list[float]] = {"urllib3": [], "httpx": []}
    with urllib3.connection_from_url(url, maxsize=1) as pool, httpx.Client() as client:
        path = urllib3.util.parse_url(lookup).path
        calls: dict[str, Callable[[str], Any]] = {
            "urllib3": lambda pass_id: json.loads(
                pool.urlopen(
                    "GET",
                    f"{path}?{urlencode({'passId': pass_id})}",
                    headers=headers,
                    retries=False,
                    redirect=False,
                ).data
            ),
            "httpx": lambda pass_id: client.get(
                lookup, params={"passId": pass_id}, headers=headers
            ).json(),
        }
        for round_no in range(rounds + 1):
            for name in sorted(calls, reverse=bool(round_no % 2)):
                started = time.perf_counter()
                for pass_id in ids:
                    calls[name](pass_id)
                if round_no:  # the first round warms both
                    times[name].append((time.perf_counter() - started) / len(ids))
    ours = statistics.median(times["urllib3"])
    theirs = statistics.median(times["httpx"])
    return Row(
        "vs official SDK",
        "HTTP client floor: bare urllib3 pool vs bare httpx, one GET",
        f"{ours * 1000:.3f} ms (urllib3)",
        f"{theirs * 1000:.3f} ms (httpx)",
        ours / theirs,
        "- (explains the rows below)",
        None,
    )


def livepasses_rows(*, quick: bool) -> list[Row]:
    try:
        import livepasses
    except ImportError:
        return [
            Row(
                "vs official SDK",
                "livepasses (SDK not installed: pip install '.[vendor-sdks]')",
                "-",
                "-",
                None,
                ">= as fast",
                None,
            )
        ]
    rounds, per_round = (3, 10) if quick else (15, 40)
    recipients = 200 if quick else 1000
    bulk_rounds = 1 if quick else 3
    with emulator("livepasses", batch_rate=BATCH_RATE, rate_limit=None) as emu:
        wallet = walletpass.connect("livepasses", base_url=emu.url, api_key=emu.api_key)
        sdk = livepasses.Livepasses(emu.api_key, base_url=emu.url)

        def sdk_create(run: str, i: int) -> str:
            params = livepasses.GeneratePassesParams(
                template_id=TEMPLATE, passes=[_theirs(livepasses, run, i)]
            )
            return str(sdk.passes.generate(params).passes[0].id)

        def sdk_lookup(pass_id: str) -> Any:
            return sdk.passes.lookup(livepasses.LookupPassParams(pass_id=pass_id))

        def sdk_get(pass_id: str) -> Any:
            # walletpass's get is the lookup completed by the validation (status, redeemable).
            return sdk_lookup(pass_id), sdk.passes.validate(pass_id)

        counter = iter(range(10**9))
        for _ in range(20):  # warm both: connection pools, imports, validators
            wallet.get(wallet.create(_ours("warm", next(counter))).id)
            sdk_get(sdk_create("warm", next(counter)))
        times: dict[str, list[float]] = {
            f"{side} {op}": [] for side in ("wp", "sdk") for op in ("create", "lookup", "get")
        }
        for round_no in range(rounds):
            # The sides take turns call by call (the order alternating round by round), so a
            # busy spell on the machine falls on both alike.
            order = ["wp", "sdk"] if round_no % 2 == 0 else ["sdk", "wp"]
            ids: dict[str, list[str]] = {"wp": [], "sdk": []}
            spent = {f"{side} {op}": 0.0 for side in order for op in ("create", "lookup", "get")}
            for _ in range(per_round):
                for side in order:
                    i = next(counter)
                    started = time.perf_counter()
                    if side == "wp":
                        ids[side].append(wallet.create(_ours("w", i)).id)
                    else:
                        ids[side].append(sdk_create("s", i))
                    spent[f"{side} create"] += time.perf_counter() - started
            for op, ours_op, theirs_op in (
                ("lookup", wallet.lookup, sdk_lookup),
                ("get", wallet.get, sdk_get),
            ):
                for index in range(per_round):
                    for side in order:
                        call = ours_op if side == "wp" else theirs_op
                        started = time.perf_counter()
                        call(ids[side][index])
                        spent[f"{side} {op}"] += time.perf_counter() - started
            for name, total in spent.items():
                times[name].append(total / per_round)

        floor = _http_client_floor(
            emu.url,
            emu.api_key,
            ids=[wallet.create(_ours("f", i)).id for i in range(40)],
            rounds=rounds,
        )
        rows = [floor]
        names = {
            "create": "create (one-recipient generate)",
            "lookup": "lookup (one GET)",
            "get": "get (lookup + validate, two GETs)",
        }
        for op, name in names.items():
            ratio = ratio_of_medians(times[f"wp {op}"], times[f"sdk {op}"])
            rows.append(
                Row(
                    "vs official SDK",
                    f"livepasses {name}",
                    spread(times[f"wp {op}"]),
                    spread(times[f"sdk {op}"]) + f" (livepasses {livepasses.__version__})",
                    ratio,
                    "<= 0.95x",
                    ratio <= 0.95,
                    min_ratio=ratio_of_minimums(times[f"wp {op}"], times[f"sdk {op}"]),
                )
            )

        bulk: dict[str, list[float]] = {"wp": [], "sdk": []}
        for round_no in range(bulk_rounds):
            order = ["wp", "sdk"] if round_no % 2 == 0 else ["sdk", "wp"]
            for side in order:
                run = f"b{round_no}{side}"
                if side == "wp":
                    batch = [_ours(run, i) for i in range(recipients)]
                    elapsed, outcome = _timed(partial(wallet.create_many, batch))
                    generated = outcome.succeeded
                else:
                    params = livepasses.GeneratePassesParams(
                        template_id=TEMPLATE,
                        passes=[_theirs(livepasses, run, i) for i in range(recipients)],
                    )
                    elapsed, answer = _timed(partial(sdk.passes.generate_and_wait, params))
                    generated = len(answer.passes)
                if generated != recipients:
                    raise RuntimeError(f"{side} generated {generated} of {recipients} passes")
                bulk[side].append(elapsed)
        wallet.close()
    mine = statistics.median(bulk["wp"])
    other = statistics.median(bulk["sdk"])
    rows.append(
        Row(
            "vs official SDK",
            f"livepasses generate-and-wait, {recipients} recipients",
            f"{mine:.2f} s",
            f"{other:.2f} s (SDK generate_and_wait)",
            mine / other,
            "<= 1.00x",
            mine <= other,
        )
    )
    return rows
