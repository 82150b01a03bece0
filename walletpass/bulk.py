"""``create_many``: many passes, one outcome each, in input order, never aborting half-way.

Inputs are consumed lazily and only a bounded window of them is in flight, so an iterator of any
length can be fed in. Each item goes through the same checks as ``create``; an invalid item gets
its ``ValidationError`` in the result and the run goes on. Providers with a native batch endpoint
(``native_batch_size``) receive chunks; the others are called concurrently under the provider's
rate limiter, which all workers share.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from walletpass.errors import WalletPassError
from walletpass.model import BulkItem, BulkResult, IssuedPass, Pass

if TYPE_CHECKING:
    from walletpass.provider import Provider

__all__ = ["BulkProgress", "run_create_many"]


@dataclass(frozen=True, slots=True)
class BulkProgress:
    """Reported after each item completes."""

    done: int
    succeeded: int
    failed: int


class _Tally:
    def __init__(self, on_progress: Callable[[BulkProgress], None] | None) -> None:
        self.items: list[BulkItem] = []
        self.succeeded = 0
        self.failed = 0
        self._on_progress = on_progress

    def record(self, item: BulkItem) -> None:
        self.items.append(item)
        if item.ok:
            self.succeeded += 1
        else:
            self.failed += 1
        if self._on_progress is not None:
            self._on_progress(BulkProgress(len(self.items), self.succeeded, self.failed))


def _as_error(exc: BaseException, provider: Provider) -> WalletPassError:
    if isinstance(exc, WalletPassError):
        return exc.with_context(provider=provider.name, operation="create")  # type: ignore[no-any-return]
    wrapped = WalletPassError(
        f"unexpected {type(exc).__name__}: {exc}", provider=provider.name, operation="create"
    )
    wrapped.__cause__ = exc
    return wrapped


def _external_id(raw: Any) -> str | None:
    if isinstance(raw, Pass):
        return raw.external_id
    if isinstance(raw, Mapping):
        value = raw.get("external_id")
        return value if isinstance(value, str) else None
    return None


def _prepare(provider: Provider, raw: Any) -> Pass | WalletPassError:
    try:
        return provider.prepare_create(raw)
    except Exception as exc:
        return _as_error(exc, provider)


def run_create_many(
    provider: Provider,
    passes: Iterable[Pass | Mapping[str, Any]],
    *,
    concurrency: int,
    on_progress: Callable[[BulkProgress], None] | None = None,
) -> BulkResult:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        from walletpass.errors import FieldProblem, ValidationError

        raise ValidationError.from_problems(
            [FieldProblem("concurrency", "must be a positive integer")]
        )
    tally = _Tally(on_progress)
    source = enumerate(passes)
    if provider.native_batch_size:
        _run_batches(provider, source, provider.native_batch_size, tally)
    else:
        _run_concurrent(provider, source, concurrency, tally)
    return BulkResult(items=tally.items)


def _run_batches(
    provider: Provider, source: Iterator[tuple[int, Any]], size: int, tally: _Tally
) -> None:
    while chunk := list(itertools.islice(source, size)):
        prepared = [(index, _external_id(raw), _prepare(provider, raw)) for index, raw in chunk]
        valid = [p for _, _, p in prepared if isinstance(p, Pass)]
        outcomes: list[IssuedPass | WalletPassError]
        try:
            outcomes = provider.execute_create_batch(valid) if valid else []
            if len(outcomes) != len(valid):
                raise WalletPassError(
                    f"batch returned {len(outcomes)} outcomes for {len(valid)} passes",
                    provider=provider.name,
                    operation="create_many",
                )
        except Exception as exc:
            error = _as_error(exc, provider)
            outcomes = [error] * len(valid)
        results = iter(outcomes)
        for index, external_id, item in prepared:
            outcome = next(results) if isinstance(item, Pass) else item
            tally.record(_item(index, external_id, outcome))


def _item(index: int, external_id: str | None, outcome: IssuedPass | WalletPassError) -> BulkItem:
    if isinstance(outcome, IssuedPass):
        return BulkItem(index=index, external_id=external_id, issued=outcome)
    return BulkItem(index=index, external_id=external_id, error=outcome)


def _run_concurrent(
    provider: Provider, source: Iterator[tuple[int, Any]], concurrency: int, tally: _Tally
) -> None:
    window: deque[tuple[int, str | None, Future[IssuedPass] | WalletPassError]] = deque()
    max_window = concurrency * 2

    def settle_oldest() -> None:
        index, external_id, pending = window.popleft()
        if isinstance(pending, WalletPassError):
            tally.record(_item(index, external_id, pending))
            return
        try:
            outcome: IssuedPass | WalletPassError = pending.result()
        except Exception as exc:
            outcome = _as_error(exc, provider)
        tally.record(_item(index, external_id, outcome))

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="walletpass-bulk") as pool:
        try:
            for index, raw in source:
                prepared = _prepare(provider, raw)
                if isinstance(prepared, Pass):
                    window.append(
                        (
                            index,
                            prepared.external_id,
                            pool.submit(provider.execute_create, prepared),
                        )
                    )
                else:
                    window.append((index, _external_id(raw), prepared))
                while len(window) >= max_window:
                    settle_oldest()
            while window:
                settle_oldest()
        except BaseException:
            for _, _, pending in window:
                if isinstance(pending, Future):
                    pending.cancel()
            raise
