"""The one pipeline: build once -> check the built body -> send -> parse(response, request).

Every vendor runs against its emulator over HTTP on 127.0.0.1, configured like the portability
shop (``tests/portability``): a logical template whose fields the alias renames.
"""

from __future__ import annotations

import itertools
import json
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

import walletpass
from walletpass import (
    Capabilities,
    Capability,
    FieldProblem,
    Holder,
    InvalidResponse,
    IssuedPass,
    Pass,
    PassUpdate,
    Provider,
    UnsupportedFeature,
    ValidationError,
    WalletPassError,
    native,
)
from walletpass.provider import ListFilters, Page
from walletpass.retry import Safety
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator
from walletpass.transport import VendorRequest, VendorResponse

HERE = Path(__file__).with_name("portability")
CONFIG = HERE / "walletpass.toml"
DASHBOARDS: dict[str, dict[str, Any]] = tomllib.loads(
    (HERE / "vendors.toml").read_text(encoding="utf-8")
)["dashboards"]
VENDORS = sorted(DASHBOARDS)

#: Every hook that builds a request body for a create or an update.
BODY_BUILDS = ("build_create", "build_update", "build_merge")


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, tuple[Any, dict[str, str]]]]:
    """Each vendor's emulator, seeded with the shop's dashboard, and the environment naming it."""
    started: dict[str, tuple[Any, dict[str, str]]] = {}
    running: list[EmulatorServer] = []
    try:
        for vendor, dashboard in DASHBOARDS.items():
            app = load_emulator(vendor, **dashboard)
            server = EmulatorServer(app).__enter__()
            running.append(server)
            prefix = f"WALLETPASS_{vendor.upper()}_"
            env = {
                "WALLETPASS_PROVIDER": vendor,
                prefix + "BASE_URL": server.url,
                prefix + "API_KEY": app.api_key,
            }
            started[vendor] = (app, env)
        yield started
    finally:
        for server in running:
            server.__exit__(None, None, None)


def card(member: str) -> Pass:
    return Pass(
        template="coffee-card",
        kind="loyalty",
        external_id=member,
        holder=Holder(name="Ada Lovelace"),
        fields={"points": 90},
    )


class Builds:
    """Counts the body builds of one provider instance and keeps what each built."""

    def __init__(self, wallet: Provider) -> None:
        self.built: list[VendorRequest] = []
        self.parsed: list[VendorRequest | None] = []
        for name in BODY_BUILDS:
            if hasattr(wallet, name):
                vars(wallet)[name] = self._counting(getattr(wallet, name))
        for name in ("parse_create", "parse_update"):
            vars(wallet)[name] = self._seeing(getattr(wallet, name))

    def _counting(self, hook: Callable[..., VendorRequest]) -> Callable[..., VendorRequest]:
        def counted(*args: Any) -> VendorRequest:
            request = hook(*args)
            self.built.append(request)
            return request

        return counted

    def _seeing(self, hook: Callable[..., Any]) -> Callable[..., Any]:
        def seen(response: VendorResponse, *args: Any) -> Any:
            self.parsed.append(response.request)
            return hook(response, *args)

        return seen

    def clear(self) -> None:
        self.built.clear()
        self.parsed.clear()


@pytest.mark.parametrize("vendor", VENDORS)
def test_one_body_build_per_create_and_update(
    servers: dict[str, tuple[Any, dict[str, str]]], vendor: str
) -> None:
    _, env = servers[vendor]
    with walletpass.from_config(CONFIG, env=env) as wallet:
        builds = Builds(wallet)
        issued = wallet.create(card(f"B-{vendor}"))
        assert len(builds.built) == 1, f"{vendor} built the create body {len(builds.built)} times"
        # A parse hook receives the very request that was built and sent (Livepasses reads its
        # generation answer in its own loop, without parse_create).
        assert builds.parsed or vendor == "livepasses"
        assert all(sent is builds.built[0] for sent in builds.parsed)

        builds.clear()
        wallet.update(issued.id, PassUpdate(fields={"points": 95}))
        if wallet.template_of(issued.id) is None and "build_update" in type(wallet).__dict__:
            # Only the vendor knows this pass's template: before the read the change was built
            # once per body the templates it could belong to make of it (here two: the alias
            # whose balance field is "points", and every other, all alike, however many such
            # aliases there are), and the one for the template read was sent as built.
            assert len(builds.built) == 2, builds.built
            assert all(any(sent is b for b in builds.built) for sent in builds.parsed)
        else:
            assert len(builds.built) == 1, f"{vendor} built the update body {len(builds.built)}x"
            assert all(sent is builds.built[0] for sent in builds.parsed)


_MEMBERS = itertools.count()


@pytest.mark.parametrize("vendor", ["pass2u", "passentry", "livepass"])
def test_one_body_build_per_pass_in_create_many(
    servers: dict[str, tuple[Any, dict[str, str]]], vendor: str
) -> None:
    """A bulk run checks each pass as it reads it and sends the request built then."""
    _, env = servers[vendor]
    with walletpass.from_config(CONFIG, env=env) as wallet:
        builds = Builds(wallet)
        result = wallet.create_many([card(f"M-{vendor}-{i}") for i in range(3)], concurrency=2)
        assert result.succeeded == 3, result
        assert len(builds.built) == 3, f"{vendor} built {len(builds.built)} bodies for 3 passes"


def _stored(app: Any) -> int:
    return len(app.journal)


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        # a typo among the request keys: refused in strict mode whatever the template
        (PassUpdate(fields={"points": 95}, extra={"no_such_key": 1}), ValidationError),
        # a logo text longer than any vendor shows (or none can carry it), next to a renamed field
        (
            PassUpdate(fields={"points": 95}, logo_text="L" * 255),
            (ValidationError, UnsupportedFeature),
        ),
    ],
    ids=["extra-typo", "oversized-logo-text"],
)
def test_no_request_before_every_update_check_passes(
    servers: dict[str, tuple[Any, dict[str, str]]],
    vendor: str,
    change: PassUpdate,
    refusal: type[WalletPassError] | tuple[type[WalletPassError], ...],
) -> None:
    app, env = servers[vendor]
    with walletpass.from_config(CONFIG, env=env) as wallet:
        issued = wallet.create(card(f"N-{vendor}-{next(_MEMBERS)}"))
        # A fresh provider: it has not seen the pass, so its template is the vendor's to tell.
    with walletpass.from_config(CONFIG, env=env) as wallet:
        before = _stored(app)
        with pytest.raises(refusal):
            wallet.prepare_update(issued.id, change)
        with pytest.raises(refusal):
            wallet.update(issued.id, change)
        assert _stored(app) == before, f"{vendor} sent a request before refusing the update"


@pytest.mark.parametrize(
    ("vendor", "template", "new_pass"),
    [
        # holder name plus a field of the template key that holds it (the default holder field)
        ("pass2u", "1919", {"holder": {"name": "Ada"}, "fields": {"name": "Bob"}}),
        (
            "passentry",
            "5f0e9c1d2b3a4f5e6d7c8b9a",
            {"holder": {"name": "A"}, "fields": {"fullName": "B"}},
        ),
        # a rule over the body the vendor's build made (Pass2U: logoText at most 35 characters)
        ("pass2u", "1919", {"logo_text": "L" * 36}),
        # a rule over a value the vendor cannot express (PassEntry: a boolean field)
        ("passentry", "5f0e9c1d2b3a4f5e6d7c8b9a", {"fields": {"vip": True}}),
        # Livepasses: the template id must fit its path slot
        ("livepasses", "tmpl coffee", {}),
    ],
    ids=[
        "pass2u-holder-field",
        "passentry-holder-field",
        "pass2u-body",
        "passentry-bool",
        "livepasses-template",
    ],
)
def test_profile_prepare_and_provider_refuse_alike(
    vendor: str, template: str, new_pass: dict[str, Any]
) -> None:
    subject = Pass.model_validate({"template": template, **new_pass})
    provider = walletpass.connect(vendor, api_key="k", base_url="http://127.0.0.1:9")
    profile = walletpass.connect("fake", profile=vendor)
    refused: dict[str, list[tuple[str, str]]] = {}
    for name, attempt in {
        "provider": lambda: provider.create(subject),
        "prepare_create": lambda: provider.prepare_create(subject),
        "profile": lambda: profile.create(subject),
    }.items():
        with pytest.raises(ValidationError) as caught:
            attempt()
        refused[name] = [(p.location, p.message) for p in caught.value.problems]
    assert refused["provider"], refused
    assert refused["provider"] == refused["prepare_create"] == refused["profile"]
    assert profile.pass_count == 0


class Pages(Provider):
    """A plugin written with build_list/parse_list only: the core drives its paging."""

    name: ClassVar[str] = "pages"
    capabilities: ClassVar[Capabilities] = Capabilities({Capability.LIST: native("GET /passes")})

    def build_list(self, filters: ListFilters) -> VendorRequest:
        if filters.page_size is not None and filters.page_size > 50:
            raise ValidationError.from_problems([FieldProblem("page_size", "at most 50")])
        return VendorRequest("GET", "passes", Safety.SAFE, query={"page": "1"})

    def parse_list(self, response: VendorResponse, filters: ListFilters) -> Page:
        body = response.json()
        items = [IssuedPass(id=i, vendor_id=i, provider=self.name) for i in body["ids"]]
        following = body.get("next")
        next_request = (
            VendorRequest("GET", "passes", Safety.SAFE, query={"page": following})
            if following
            else None
        )
        return Page(items, next_request)


def _looping_vendor(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Page 1 says page 2 follows; page 2 says page 1 follows (a vendor's paging loop)."""
    requests_seen.append(environ.get("QUERY_STRING", ""))
    page = environ.get("QUERY_STRING", "").removeprefix("page=")
    body = {"ids": [f"p-{page}"], "next": "2" if page == "1" else "1"}
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


requests_seen: list[str] = []


def test_list_checks_run_at_the_call_and_a_paging_loop_ends() -> None:
    requests_seen.clear()
    with EmulatorServer(_looping_vendor) as server, Pages(base_url=server.url) as wallet:
        with pytest.raises(ValidationError):
            wallet.list(page_size=60)  # refused at the call, before any iteration
        assert requests_seen == []
        listed = wallet.list()
        assert [next(listed).id, next(listed).id] == ["p-1", "p-2"]
        with pytest.raises(InvalidResponse, match="repeats a page already read"):
            next(listed)
        assert requests_seen == ["page=1", "page=2"]
