"""``IssuedPass.unknown_parts`` on ``create_many``'s items: every path names what it cannot show.

The items of a bulk run come from other answers than a ``create``: a vendor's batch (Livepasses'
generate answer, or its asynchronous batch status, whose lines carry no wallet links, fields,
barcode or balance, vendor notes 3.2), or a one-by-one create. Each item names, as every other
answer does (``tests/test_unknown_parts.py``), each part written that it shows as ``None``, and
shows no value for a part it names; its fields are those written, or ``"fields"`` is named. Run
on the fake, every vendor's emulator (over HTTP on 127.0.0.1) and the fake wearing its profile,
through the sync and the async API, and on Livepasses through both its synchronous generate
answer and its asynchronous batch.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import walletpass
import walletpass.aio
from walletpass import IssuedPass, Pass, Provider
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

from .test_declared_reads import _full_pass
from .test_portability import DASHBOARDS
from .test_unknown_parts import _carried, _check, _templates

VENDORS = tuple(DASHBOARDS)
#: How many passes a run issues: above the Livepasses emulator's async threshold in "async".
COUNT = 3


@contextmanager
def _connected(side: str, *, batch: str, aio: bool = False) -> Iterator[Any]:
    """The wallet on ``side`` ("fake", a vendor's emulator, "fake:<vendor>"), its loyalty
    template aliased with its kind; ``batch`` "async": Livepasses answers with a batch."""
    vendor = side.removeprefix("fake:")
    settings: dict[str, Any] = {"templates": _templates(vendor, True)}
    if side.startswith("fake"):
        extra = {"profile": vendor} if side != "fake" else {}
        with _opened("fake", aio, **extra, **settings) as wallet:
            yield wallet
        return
    options = dict(DASHBOARDS[side])
    if side == "livepasses":
        options["async_threshold"] = 1 if batch == "async" else 100
        settings["poll_interval"] = 0.01  # a batch polled quickly
    app = load_emulator(side, **options)
    with (
        EmulatorServer(app) as server,
        _opened(side, aio, base_url=server.url, api_key=app.api_key, **settings) as wallet,
    ):
        yield wallet


class _Async:
    """A wallet of ``walletpass.aio`` opened, used and closed on one event loop per call."""

    def __init__(self, name: str, settings: dict[str, Any]) -> None:
        self.name, self.settings = name, settings
        self.sync = walletpass.connect(name, **settings)  # its declarations, for _check

    def create_many(self, passes: list[Pass]) -> Any:
        async def run() -> Any:
            async with await walletpass.aio.connect(self.name, **self.settings) as wallet:
                return await wallet.create_many(passes)

        return asyncio.run(run())


@contextmanager
def _opened(name: str, aio: bool, **settings: Any) -> Iterator[Any]:
    with walletpass.connect(name, **settings) as wallet:
        yield _Async(name, settings) if aio else wallet


def _issued(wallet: Any, aio: bool) -> tuple[Provider, list[IssuedPass]]:
    sync: Provider = wallet.sync if aio else wallet
    passes = [
        _full_pass(_carried(sync)).model_copy(update={"external_id": f"M-70{n:02d}"})
        for n in range(COUNT)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = wallet.create_many(passes)
    assert [item.error for item in result.items] == [None] * COUNT
    return sync, [item.issued for item in result.items if item.issued is not None]


def _sides() -> Iterator[Any]:
    for vendor in VENDORS:
        batches = ("sync", "async") if vendor == "livepasses" else ("sync",)
        for batch in batches:
            for aio in (False, True):
                api = "aio" if aio else "sync"
                yield pytest.param(vendor, batch, aio, id=f"{vendor}-{batch}-batch-{api}")


@pytest.mark.parametrize(("vendor", "batch", "aio"), list(_sides()))
def test_each_item_names_what_it_cannot_show_as_on_the_profile(
    vendor: str, batch: str, aio: bool
) -> None:
    with _connected(vendor, batch=batch, aio=aio) as wallet:
        real, items = _issued(wallet, aio)
        seen = [_check(real, {"create_many": item})["create_many"] for item in items]
    with _connected(f"fake:{vendor}", batch=batch, aio=aio) as wallet:
        fake, items = _issued(wallet, aio)
        profile = [_check(fake, {"create_many": item})["create_many"] for item in items]
    if batch == "async":
        # The profile has no asynchronous batches (its answer is a create's): the vendor's batch
        # lines name more, and only parts they show no value for (_check).
        assert all(p <= s for p, s in zip(profile, seen, strict=True))
        assert {"barcode", "balance", "urls"} <= seen[0]
    else:
        assert profile == seen


@pytest.mark.parametrize("aio", [False, True], ids=["sync", "aio"])
def test_the_fake_names_nothing_its_create_many_wrote(aio: bool) -> None:
    with _connected("fake", batch="sync", aio=aio) as wallet:
        fake, items = _issued(wallet, aio)
        assert [_check(fake, {"create_many": item})["create_many"] for item in items] == [
            frozenset()
        ] * COUNT


@pytest.mark.parametrize("batch", ["sync", "async"])
def test_livepasses_items_have_the_fields_written_or_name_them(batch: str) -> None:
    # A custom field is sent (personalizations.customFields) but no answer carries it, and an
    # asynchronous batch line carries no businessData at all: an item reports the fields sent,
    # as create() does, or says it cannot.
    new = Pass(
        template="card",
        external_id="M-7100",
        holder=walletpass.Holder(name="Ada Lovelace"),
        fields={"currentPoints": 90, "tableNumber": "12"},
    )
    with _connected("livepasses", batch=batch) as wallet:
        created = wallet.create(new.model_copy(update={"external_id": "M-7101"}))
        (item,) = wallet.create_many([new]).items
    assert item.issued is not None
    assert created.fields == {"currentPoints": 90, "tableNumber": "12"}
    assert item.issued.fields == created.fields or "fields" in item.issued.unknown_parts


def test_an_item_a_resumed_run_finds_again_is_named_as_the_read_it_is(tmp_path: Any) -> None:
    # A run that died with an item in flight: the next run looks the pass up by its external id
    # (Livepasses' lookup: no fields, balance or barcode) and reports what it found, naming what
    # that read cannot show, and so does every run after it (the journal keeps it).
    from walletpass.journal import BulkJournal, fingerprint, item_key

    new = Pass(
        template="tmpl-coffee",
        kind="loyalty",
        external_id="M-7200",
        holder=walletpass.Holder(name="Ada Lovelace"),
        fields={"currentPoints": 90},
    )
    journal = tmp_path / "run.db"
    with _connected("livepasses", batch="sync") as wallet:
        wallet.create(new)  # the earlier run's request, which reached the vendor
        with BulkJournal(journal, provider="livepasses") as book:
            book.begin(item_key(0, new.external_id), 0, fingerprint(new))
        found = wallet.create_many([new], journal=journal).items[0]
        again = wallet.create_many([new], journal=journal).items[0]
    for item in (found, again):
        assert item.skipped and item.issued is not None
        assert {"fields", "balance", "barcode"} <= item.issued.unknown_parts
        assert (item.issued.fields, item.issued.balance, item.issued.barcode) == ({}, None, None)
