"""A stateful emulator of LivePass's API, served over real HTTP by walletpass's harness.

It reproduces what LivePass documents: ``Authorization: API_KEY <key>``, the three pass types at
``/{type}/{id}`` with one upsert (POST) and one read (GET) each, snake_case bodies checked against
the documented keys and types, the ``{type, id, body, message}`` and ``{message, body, links, id,
type}`` answers, a ``version`` that counts writes, Unix-second timestamps, ``links.web`` /
``links.apple``, and errors whose ``message`` is a string or a Joi-style validation object
starting with ``_original``. It records the e-mails and pushes LivePass would have sent
(:attr:`LivePassEmulator.notifications`), so tests can see what ``silent`` did.

Where the documentation is silent the emulator chooses, and ``docs/providers/livepass.md`` lists
the choices (status codes, full-replace writes, refusal of undocumented keys, when e-mails and
pushes go out); the provider does not depend on them.

``LivePassEmulator()`` with no arguments is what ``walletpass emulate livepass`` serves: API key
:data:`DEFAULT_API_KEY`, no passes (LivePass has no templates to seed; ids are the caller's).
"""

from __future__ import annotations

import copy
import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from walletpass.testing.emulator import (
    EmulatorApp,
    EmulatorRequest,
    EmulatorResponse,
    route,
)
from walletpass_livepass.limits import (
    AUTH_SCHEME,
    BODY_KEYS,
    CONTENT_TYPE,
    CREATE_MESSAGE,
    GET_MESSAGE,
    NOTIFYING_KEYS,
    PassType,
    body_problems,
)

__all__ = ["DEFAULT_API_KEY", "LINK_BASE", "LivePassEmulator", "Notification", "StoredPass"]

#: The emulator's default API key (LivePass's key format is not documented).
DEFAULT_API_KEY = "lp_test_walletpass_emulator_key"

#: Where the answer's pass links point (the documentation's reservation example uses this host).
LINK_BASE = "https://app.getlivepass.com"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class StoredPass:
    """One pass as LivePass keeps it: what was last written, plus its bookkeeping."""

    pass_type: PassType
    pass_id: str
    body: dict[str, Any]
    version: int
    created_at: int
    last_updated_at: int
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    slug: str = field(default_factory=lambda: secrets.token_urlsafe(12))


@dataclass(frozen=True)
class Notification:
    """An e-mail (with the pass, on create) or a push (a change) LivePass would have sent."""

    channel: str  # "email" or "push"
    pass_type: PassType
    pass_id: str
    to: str | None = None
    changed: tuple[str, ...] = ()


class LivePassEmulator(EmulatorApp):
    """LivePass's reservation, membership-card and appointment API; see the module docstring."""

    def __init__(
        self,
        api_key: str = DEFAULT_API_KEY,
        *,
        passes: Iterable[Mapping[str, Any]] | None = None,
        clock: Callable[[], float] | None = None,
        link_base: str = LINK_BASE,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.link_base = link_base.rstrip("/")
        self._clock = clock or time.time
        self.passes: dict[tuple[PassType, str], StoredPass] = {}
        #: E-mails and pushes, in the order LivePass would have sent them.
        self.notifications: list[Notification] = []
        for seeded in passes or ():
            self.seed(
                PassType(seeded["type"]),
                str(seeded["id"]),
                dict(seeded.get("body", {})),
                version=int(seeded.get("version", 1)),
            )

    # -- seeding and inspection ------------------------------------------------------------

    def seed(
        self, pass_type: PassType, pass_id: str, body: Mapping[str, Any], *, version: int = 1
    ) -> StoredPass:
        """Store a pass as if it had been written ``version`` times (no notification)."""
        now = int(self._clock())
        stored = StoredPass(pass_type, pass_id, _kept(pass_type, body), version, now, now)
        with self.lock:
            self.passes[(pass_type, pass_id)] = stored
        return stored

    def stored(self, pass_type: PassType | str, pass_id: str) -> StoredPass:
        """A pass as LivePass keeps it (``KeyError`` if there is none)."""
        with self.lock:
            return self.passes[(PassType(pass_type), pass_id)]

    # -- shared checks ----------------------------------------------------------------------

    def before_route(self, request: EmulatorRequest) -> EmulatorResponse | None:
        header = request.header("authorization") or ""
        scheme, _, key = header.partition(" ")
        if scheme != AUTH_SCHEME or not self.is_api_key(key):
            return self.error_response(401, "Unauthorized")
        return None

    @staticmethod
    def _pass_type(request: EmulatorRequest) -> PassType:
        return PassType(request.path.strip("/").split("/", 1)[0])

    # -- routes -----------------------------------------------------------------------------

    @route("POST", "/reservation/{id}")
    @route("POST", "/membership-card/{id}")
    @route("POST", "/appointment/{id}")
    def upsert(self, request: EmulatorRequest) -> EmulatorResponse:
        body = request.json_object(f"Content-Type must be {CONTENT_TYPE}", media_type=CONTENT_TYPE)
        pass_type = self._pass_type(request)
        problems = body_problems(pass_type, body)
        if problems:
            return EmulatorResponse.json_body(
                {
                    "message": {
                        "_original": body,
                        "details": [problem.detail() for problem in problems],
                    }
                },
                400,
            )
        pass_id = request.params["id"]
        kept = _kept(pass_type, body)
        now = int(self._clock())
        stored = self.passes.get((pass_type, pass_id))
        notify = body.get("silent") is not True
        if stored is None:
            stored = StoredPass(pass_type, pass_id, kept, 1, now, now)
            self.passes[(pass_type, pass_id)] = stored
            email = kept.get("email")
            if notify and isinstance(email, str) and _EMAIL.fullmatch(email):
                self.notifications.append(Notification("email", pass_type, pass_id, to=email))
        else:
            changed = tuple(
                key for key in NOTIFYING_KEYS[pass_type] if stored.body.get(key) != kept.get(key)
            )
            # A write replaces the stored pass (walletpass always sends every key).
            stored.body = kept
            stored.version += 1
            stored.last_updated_at = now
            if notify and changed:
                self.notifications.append(Notification("push", pass_type, pass_id, changed=changed))
        return EmulatorResponse.json_body(
            {
                "type": pass_type.value,
                "id": pass_id,
                "body": copy.deepcopy(kept),
                "message": CREATE_MESSAGE,
            }
        )

    @route("GET", "/reservation/{id}")
    @route("GET", "/membership-card/{id}")
    @route("GET", "/appointment/{id}")
    def read(self, request: EmulatorRequest) -> EmulatorResponse:
        pass_type = self._pass_type(request)
        stored = self.passes.get((pass_type, request.params["id"]))
        if stored is None:
            return self.error_response(404, "Pass not found")
        body = {
            "version": stored.version,
            "created_at": stored.created_at,
            "last_updated_at": stored.last_updated_at,
            "type": pass_type.value,
            "token": stored.token,
            **copy.deepcopy(stored.body),
        }
        return EmulatorResponse.json_body(
            {
                "message": GET_MESSAGE,
                "body": body,
                "links": {
                    "web": f"{self.link_base}/view/{stored.slug}",
                    "apple": f"{self.link_base}/apple/{stored.slug}",
                },
                "id": stored.pass_id,
                "type": pass_type.value,
            }
        )


def _kept(pass_type: PassType, body: Mapping[str, Any]) -> dict[str, Any]:
    """What LivePass keeps of a body: the type's documented keys (the echo drops the others)."""
    return {key: copy.deepcopy(body[key]) for key in BODY_KEYS[pass_type] if key in body}
