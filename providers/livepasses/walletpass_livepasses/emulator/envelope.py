"""Livepasses' envelope and request reading, shared by every resource of the emulator.

Answers are ``{success, message, data, meta}``, lists ``{success, items, pagination, meta}``,
refusals ``{success: false, data: null, error: {code, message, details, timestamp, traceId,
fields?}}`` (vendor notes 2.1). Bodies are the request DTOs of ``limits``: 415 without a JSON
body where the DTO needs one, 400 with the per-field ``fields`` map for any member the DTO does
not declare (2.3).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from walletpass.testing.emulator import (
    EmulatorRequest,
    EmulatorResponse,
    InexactNumber,
    Refused,
    exact_json,
    page_of,
)
from walletpass_livepasses import limits
from walletpass_livepasses.emulator.state import Store, refused
from walletpass_livepasses.limits import Shape, shape_problems

__all__ = ["Resource", "error_answer", "invalid", "json_number"]

_Record = TypeVar("_Record")


def invalid(problems: list[tuple[str, str]], code: str = "VALIDATION_ERROR") -> Refused:
    """A 400 naming the fields at fault (``(wire path, text)`` pairs, in the order found)."""
    refusal = Refused.for_fields(
        400,
        [(where or "body", text) for where, text in problems],
        "One or more fields are invalid.",
        code=code,
    )
    # The details name the first problem as it was found (an empty path stays empty).
    refusal.details = " ".join(problems[0]).strip()
    return refusal


def json_number(value: Decimal) -> int | float:
    """A decimal as the JSON number Livepasses answers (whole values without a fraction)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _trace_id() -> str:
    return "0HN" + secrets.token_hex(6).upper()


def error_answer(
    store: Store,
    status: int,
    code: str,
    message: str,
    *,
    details: str | None = None,
    fields: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmulatorResponse:
    """A refusal in Livepasses' error envelope."""
    error: dict[str, Any] = {
        "code": code,
        "message": message,
        "details": details,
        "timestamp": store.now(),
        "traceId": _trace_id(),
    }
    if fields:
        error["fields"] = dict(fields)
    return EmulatorResponse.json_body(
        {"success": False, "data": None, "error": error}, status, headers
    )


class Resource:
    """What the routes of every resource share: the account's store, the envelope, the DTOs."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _meta(self) -> dict[str, Any]:
        return {"traceId": _trace_id(), "timestamp": self.store.now()}

    def ok(self, data: Any, status: int = 200, message: str = "OK") -> EmulatorResponse:
        """A success: ``{success, message, data, meta}``."""
        return EmulatorResponse.json_body(
            {"success": True, "message": message, "data": data, "meta": self._meta()}, status
        )

    def paged(self, items: list[Any], page: int, size: int) -> EmulatorResponse:
        """One page of a list: ``{success, items, pagination, meta}`` (the list at the top)."""
        chunk, pages = page_of(items, page, size)
        return EmulatorResponse.json_body(
            {
                "success": True,
                "items": chunk,
                "pagination": {
                    "currentPage": page,
                    "pageSize": size,
                    "totalPages": pages,
                    "totalItems": len(items),
                },
                "meta": self._meta(),
            }
        )

    def sorted_page(
        self,
        request: EmulatorRequest,
        found: list[_Record],
        keys: Mapping[str, Callable[[_Record], Any]],
        view: Callable[[_Record], dict[str, Any]],
        *,
        page: int,
        size: int,
    ) -> EmulatorResponse:
        """One page of ``found`` in the order ``sortBy`` (one of ``keys``; default
        ``createdAt``) and ``sortDescending`` ask for, each record written by ``view``."""
        sort_by = request.arg("sortBy") or "createdAt"
        if sort_by not in keys:
            raise invalid([("sortBy", f"must be one of {', '.join(keys)}")])
        descending = request.arg("sortDescending", "false")
        if descending not in ("true", "false"):
            # Query booleans are lowercase true/false (vendor notes 2.2).
            raise invalid([("sortDescending", "must be true or false")])
        ordered = sorted(found, key=keys[sort_by], reverse=descending == "true")
        return self.paged([view(record) for record in ordered], page, size)

    @staticmethod
    def body(request: EmulatorRequest, shape: Shape, *, optional: bool = False) -> Any:
        """The request DTO: 415 without a JSON body (unless optional), 400 for any bad member."""
        if not request.body:
            if optional:
                return {}
            raise refused(415, "GENERAL_ERROR", "A JSON request body is required.")
        if request.media_type != "application/json":
            raise refused(415, "GENERAL_ERROR", "Content-Type must be application/json.")
        try:
            body = exact_json(request.body)
        except InexactNumber as exc:
            # Read as a double, it would be rounded silently (inferred: precision undocumented).
            raise invalid([("body", str(exc))]) from None
        except (ValueError, UnicodeDecodeError):
            raise invalid([("body", "is not valid JSON")]) from None
        problems = shape_problems(body, shape)
        if problems:
            raise invalid(problems)
        return body

    @staticmethod
    def page(request: EmulatorRequest) -> tuple[int, int]:
        """``page`` and ``pageSize`` of a list request (positive integers; 400 otherwise)."""
        page = request.int_arg("page", 1)
        size = request.int_arg("pageSize", limits.DEFAULT_PAGE_SIZE)
        problems = [
            (name, "must be a positive integer")
            for name, value in (("page", page), ("pageSize", size))
            if value is None or value < 1
        ]
        if problems or page is None or size is None:
            raise invalid(problems)
        return page, size
