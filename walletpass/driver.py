"""The pipeline driver: send a built request, map a vendor error, run a parse hook, and the
default execution steps of every operation (build hook -> send -> parse hook)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from walletpass.contract import ListFilters, ProviderContract, SettingsT
from walletpass.error_mapping import (
    ErrorInfo,
    error_from_response,
)
from walletpass.errors import (
    InvalidResponse,
    ValidationError,
    WalletPassError,
)
from walletpass.model import (
    IssuedPass,
    Pass,
    PassUpdate,
    Redemption,
)
from walletpass.outcomes import note_dispatch, unreconciled
from walletpass.redaction import scrub_exception
from walletpass.retry import Safety, may_have_acted
from walletpass.transport import (
    VendorRequest,
    VendorResponse,
)

__all__ = ["Driver"]

_T = TypeVar("_T")


class Driver(ProviderContract[SettingsT]):
    """The execution steps; providers override ``execute_<op>`` for multi-request operations."""

    def execute_create(self, new_pass: Pass, request: VendorRequest | None = None) -> IssuedPass:
        """Run a create: send the request the checks built, :meth:`parse_create` (a
        RECOVERABLE request with an ``external_id`` is looked up before any resend).

        Override only where the operation needs several requests; send each with
        ``self.send(request, operation)`` (retries, the rate limit and the deadline; a non-2xx
        answer raises the error its ``error_table`` maps) and read each answer with
        ``self.parse(hook, response, ...)``. Runs after every check has passed.

        :param new_pass: the checked pass, in the vendor's terms.
        :param request: the request :meth:`build_create` made while the pass was checked (sent
            as it is, so the body is built once); ``None`` when the caller has none, and then
            it is built here.
        :returns: the issued pass (the core presents it).
        :raises WalletPassError: the error the vendor's answer maps to (``NotFound``,
            ``AlreadyRedeemed``, ``BusinessRuleError``...: the provider's ``error_table``, then
            the HTTP defaults), or ``ProviderUnavailable`` / ``RateLimited`` from the transport;
            ``outcome_unknown`` is set wherever the request may have taken effect.
        """
        if request is None:
            request = self.build_create(new_pass)
        if request.safety is Safety.RECOVERABLE and new_pass.external_id is not None:
            return self._send_recoverable(request, new_pass)
        return self.parse(self.parse_create, self.send(request, "create"), new_pass)

    def execute_get(self, pass_id: str) -> IssuedPass:
        """Run a read: :meth:`build_get`, send, :meth:`parse_get`.

        Override only where the operation needs several requests; send each with
        ``self.send(request, operation)`` (retries, the rate limit and the deadline; a non-2xx
        answer raises the error its ``error_table`` maps) and read each answer with
        ``self.parse(hook, response, ...)``. Runs after every check has passed.

        :param pass_id: the checked id.
        :returns: the pass (the core presents it).
        :raises WalletPassError: the error the vendor's answer maps to (``NotFound``,
            ``AlreadyRedeemed``, ``BusinessRuleError``...: the provider's ``error_table``, then
            the HTTP defaults), or ``ProviderUnavailable`` / ``RateLimited`` from the transport;
            ``outcome_unknown`` is set wherever the request may have taken effect.
        """
        return self.parse(self.parse_get, self.send(self.build_get(pass_id), "get"), pass_id)

    def execute_update(
        self, pass_id: str, change: PassUpdate, request: VendorRequest | None = None
    ) -> IssuedPass:
        """Run an update: send the request the checks built, :meth:`parse_update`.

        Override only where the operation needs several requests; send each with
        ``self.send(request, operation)`` (retries, the rate limit and the deadline; a non-2xx
        answer raises the error its ``error_table`` maps) and read each answer with
        ``self.parse(hook, response, ...)``. Runs after every check has passed.

        :param pass_id: the checked id.
        :param change: the checked change, in the vendor's terms.
        :param request: the request :meth:`build_update` made while the change was checked
            (sent as it is); ``None`` when the caller has none or the provider has no
            one-request build, and then it is built here.
        :returns: the pass after the change (the core presents it).
        :raises WalletPassError: the error the vendor's answer maps to (``NotFound``,
            ``AlreadyRedeemed``, ``BusinessRuleError``...: the provider's ``error_table``, then
            the HTTP defaults), or ``ProviderUnavailable`` / ``RateLimited`` from the transport;
            ``outcome_unknown`` is set wherever the request may have taken effect.
        """
        if request is None:
            request = self.build_update(pass_id, change)
        return self.parse(self.parse_update, self.send(request, "update"), pass_id, change)

    def execute_redeem(
        self, pass_id: str, amount: Decimal | None, options: Mapping[str, Any]
    ) -> Redemption:
        """Run a redemption: :meth:`build_redeem`, send, :meth:`parse_redeem`.

        Override only where the operation needs several requests; send each with
        ``self.send(request, operation)`` (retries, the rate limit and the deadline; a non-2xx
        answer raises the error its ``error_table`` maps) and read each answer with
        ``self.parse(hook, response, ...)``. Runs after every check has passed.

        :param pass_id: the checked id.
        :param amount: ``None``, or the checked positive amount in the balance's unit.
        :param options: the caller's options.
        :returns: the vendor's ``Redemption`` (the core gives its status the one meaning).
        :raises WalletPassError: the error the vendor's answer maps to (``NotFound``,
            ``AlreadyRedeemed``, ``BusinessRuleError``...: the provider's ``error_table``, then
            the HTTP defaults), or ``ProviderUnavailable`` / ``RateLimited`` from the transport;
            ``outcome_unknown`` is set wherever the request may have taken effect.
        """
        request = self.build_redeem(pass_id, amount, options)
        return self.parse(self.parse_redeem, self.send(request, "redeem"), pass_id)

    def execute_delete(self, pass_id: str) -> None:
        """Run a deletion: :meth:`build_delete`, send.

        Override only where the operation needs several requests; send each with
        ``self.send(request, operation)`` (retries, the rate limit and the deadline; a non-2xx
        answer raises the error its ``error_table`` maps) and read each answer with
        ``self.parse(hook, response, ...)``. Runs after every check has passed.

        :param pass_id: the checked id.
        :returns: ``None``.
        :raises WalletPassError: the error the vendor's answer maps to (``NotFound``,
            ``AlreadyRedeemed``, ``BusinessRuleError``...: the provider's ``error_table``, then
            the HTTP defaults), or ``ProviderUnavailable`` / ``RateLimited`` from the transport;
            ``outcome_unknown`` is set wherever the request may have taken effect.
        """
        self.send(self.build_delete(pass_id), "delete")

    def execute_list(self, filters: ListFilters) -> Iterator[IssuedPass]:
        """Run a listing: :meth:`build_list` now (so its checks of the filters run at the
        call), then :meth:`parse_list` page after page while ``Page.next`` is set (:meth:`pages`);
        pages are requested as the caller iterates, so a request's error is raised by the
        ``next()`` that needed its page.

        Override only where the operation needs several requests; send each with
        ``self.send(request, operation)`` (retries, the rate limit and the deadline; a non-2xx
        answer raises the error its ``error_table`` maps) and read each answer with
        ``self.parse(hook, response, ...)``. Runs after every check has passed.

        :param filters: the checked filters.
        :returns: an iterator of passes (the core presents each).
        :raises WalletPassError: the error the vendor's answer maps to (``NotFound``,
            ``AlreadyRedeemed``, ``BusinessRuleError``...: the provider's ``error_table``, then
            the HTTP defaults), or ``ProviderUnavailable`` / ``RateLimited`` from the transport;
            ``outcome_unknown`` is set wherever the request may have taken effect.
        """
        return self.pages(self.build_list(filters), filters)

    def pages(self, first: VendorRequest, filters: ListFilters) -> Iterator[IssuedPass]:
        """Follow ``Page.next`` from ``first``: the one paging loop. A next page that repeats a
        page already read is ``InvalidResponse`` (a vendor's loop would never end)."""
        request: VendorRequest | None = first
        seen: set[str] = set()
        while request is not None:
            page = self.parse(self.parse_list, self.send(request, "list"), filters)
            yield from page.items
            seen.add(_page_key(request))
            request = page.next
            if request is not None and _page_key(request) in seen:
                raise InvalidResponse(
                    f"{self.label}'s next page repeats a page already read", provider=self.label
                )

    def _template_from_vendor(self, pass_id: str) -> str | None:
        """The template the vendor says the pass belongs to (one read, as ``get``)."""
        return self.execute_get(pass_id).template

    def send_prepared(self, operation: str, *args: Any, request: VendorRequest | None) -> Any:
        """Run ``execute_<operation>(*args)`` with the request built while checking them.

        An override written before the build moved into the checks (no ``request``
        parameter) still works: it builds its request itself, once more.
        """
        execute = getattr(self, f"execute_{operation}")
        if request is not None and _takes_request(type(self), f"execute_{operation}"):
            return execute(*args, request)
        return execute(*args)

    def send(self, request: VendorRequest, operation: str) -> VendorResponse:
        """Send through the shared transport; a non-2xx answer raises through the error table."""
        transport = self.transport
        note_dispatch()  # from here on the vendor may act on it
        response = transport.send(request, operation=operation)
        if not 200 <= response.status < 300:
            error = self.error_for(response, operation)
            # A server error (a 500 after the write, a gateway's 502) means the backend may have
            # acted: for a request that must not be repeated blindly the caller has to
            # reconcile (RECOVERABLE creates look it up).
            if may_have_acted(response.status) and not request.safety.repeatable:
                error.outcome_unknown = True
            raise error
        return response

    def parse(self, hook: Callable[..., _T], response: VendorResponse, *args: Any) -> _T:
        """Run a parse hook; a response missing what the hook expects is ``InvalidResponse``."""
        # A success we cannot read, to a request that changes something, means the change was
        # made but we cannot tell its result (the new pass's id...): an unknown outcome, for
        # the caller (and a bulk journal) to reconcile rather than to treat as "not done".
        acted = response.ok and response.method.upper() not in ("GET", "HEAD", "OPTIONS")
        try:
            return hook(response, *args)
        except InvalidResponse as exc:
            exc.outcome_unknown = exc.outcome_unknown or acted
            raise
        except ValidationError as exc:
            # A model built from the answer refused it (a pass id with a terminal escape...):
            # the vendor's answer is invalid, not the caller's input.
            problem: BaseException = exc
        except WalletPassError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as exc:
            problem = exc  # (OverflowError: a JSON number like 1e999 turned into an int)
        # Raised outside the handler so the hook's exception (whose text may quote a vendor echo
        # of the credentials) is reachable only through its scrubbed stand-in.
        raise InvalidResponse(
            f"unexpected response to {response.method} {response.path}: "
            f"{type(problem).__name__}: {problem}",
            provider=self.label,
            status=response.status,
            request_id=response.request_id,
            outcome_unknown=acted,
        ) from scrub_exception(problem)

    def error_for(self, response: VendorResponse, operation: str | None) -> WalletPassError:
        """Build the walletpass error for a vendor error response."""
        try:
            info = self.parse_error(response)
        except InvalidResponse:  # a proxy's HTML page, a challenge's text: not the vendor's JSON
            info = ErrorInfo(message=f"HTTP {response.status} with a non-JSON body")
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            # JSON of a shape the hook was not written for: the status alone decides.
            info = ErrorInfo(
                message=f"HTTP {response.status} with an error body that could not be read"
            )
        return error_from_response(
            response,
            info,
            table=self.error_table,
            provider=self.name,
            label=self.label,
            operation=operation,
            retry_after=self.retry_after,
        )

    def _send_recoverable(self, request: VendorRequest, new_pass: Pass) -> IssuedPass:
        """Send a create that may be repeated once the vendor says it does not have the pass.

        After an answer that leaves the outcome unknown the pass is looked up by external id:
        found, it is the result; absent, the create is sent again. A lookup that fails leaves
        the outcome unknown: :class:`OutcomeUnknown` (never retryable), so neither the caller
        nor a bulk journal treats a pass the vendor may hold as "not sent".
        """
        last: WalletPassError | None = None
        for _ in range(self.settings.max_retries + 1):
            try:
                return self.parse(self.parse_create, self.send(request, "create"), new_pass)
            except WalletPassError as exc:
                if not exc.outcome_unknown:
                    raise
                last = exc
            found = self.reconcile_create(last, new_pass)
            if found is not None:
                return found
        assert last is not None
        raise last

    def reconcile_create(self, sent: WalletPassError, new_pass: Pass) -> IssuedPass | None:
        """Look up a create whose outcome ``sent`` left unknown: the one reconciliation path.

        Returns the pass the vendor holds, or ``None`` when it holds none (sending again is
        safe). A provider with its own create loop calls this after an ambiguous failure.

        Raises:
            OutcomeUnknown: the lookup itself failed (``outcome_unknown`` true, never
                retryable), so nobody knows whether the pass exists.
        """
        try:
            return self.find_by_external_id(new_pass)
        except Exception as lookup:
            raise unreconciled(sent, lookup, provider=self.name, subject=new_pass) from (
                lookup if isinstance(lookup, WalletPassError) else scrub_exception(lookup)
            )


_TAKES_REQUEST: dict[tuple[type, str], bool] = {}


def _takes_request(cls: type, hook: str) -> bool:
    """Whether ``cls``'s ``hook`` accepts the prepared ``request`` (asked once per class)."""
    known = _TAKES_REQUEST.get((cls, hook))
    if known is None:
        known = "request" in inspect.signature(getattr(cls, hook)).parameters
        _TAKES_REQUEST[(cls, hook)] = known
    return known


def _page_key(request: VendorRequest) -> str:
    """What makes a page request the same page: its path and query."""
    return f"{request.path}?{request.query!r}"
