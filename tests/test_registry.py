"""Provider discovery: real third-party distributions, built and installed by pip inside the test.

A throwaway plugin distribution (its own ``pyproject.toml`` with a ``walletpass.providers`` entry
point and a ``walletpass.emulators`` one) is installed with pip into a private directory (``pip
install --target``; the project's virtualenv is never touched), next to a plugin that fails to
import and two plugins that claim the same name. Each scenario then runs in a fresh interpreter
that sees that directory on ``PYTHONPATH``, the way an application sees what it installed. The
in-process registration API is tested directly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, ClassVar

import pytest

import walletpass
from walletpass import (
    PROVIDER_API_VERSION,
    Capabilities,
    Capability,
    ConfigurationError,
    IssuedPass,
    Pass,
    Provider,
    ProviderNotFound,
    native,
    register_provider,
    unregister_provider,
)
from walletpass.fake import FakeProvider
from walletpass.registry import available_providers, load_provider_class, provider_info

ACME_KEY = "acme-live-key-0f9e8d7c"

ACME_PROVIDER = '''
"""Acme Wallet Cloud for walletpass: a third-party plugin nobody in walletpass wrote."""

from typing import Any, ClassVar

from pydantic import Field

from walletpass import (
    Capabilities,
    Capability,
    ConfigurationError,
    IssuedPass,
    Pass,
    PassStatus,
    Provider,
    ProviderSettings,
    Safety,
    VendorRequest,
    VendorResponse,
    native,
)
from walletpass.model import fields_as_plain


class AcmeSettings(ProviderSettings):
    account: str = Field(min_length=1)


class AcmeProvider(Provider):
    name: ClassVar[str] = "acme"
    Settings: ClassVar[type[ProviderSettings]] = AcmeSettings
    default_base_url: ClassVar[str | None] = "https://api.acme-wallet.invalid"
    summary: ClassVar[str] = "Acme Wallet Cloud"
    capabilities: ClassVar[Capabilities] = Capabilities(
        {
            Capability.CREATE: native("POST /accounts/{account}/cards"),
            Capability.GET: native("GET /accounts/{account}/cards/{id}"),
            Capability.KIND_GENERIC: native("every card is generic"),
            Capability.FIELDS: native("card fields"),
            Capability.HOLDER_NAME: native("cardholder"),
        }
    )

    def auth_headers(self) -> dict[str, str]:
        if self.settings.api_key is None:
            raise ConfigurationError("acme needs an api_key", provider=self.name)
        return {"X-Acme-Key": self.settings.api_key.get_secret_value()}

    def build_create(self, new_pass: Pass) -> VendorRequest:
        body: dict[str, Any] = {
            "design": new_pass.template,
            "values": fields_as_plain(new_pass.fields),
        }
        if new_pass.holder is not None:
            body["cardholder"] = new_pass.holder.display_name
        return VendorRequest(
            "POST", f"/accounts/{self.settings.account}/cards", Safety.UNSAFE, json=body
        )

    def parse_create(self, response: VendorResponse, new_pass: Pass) -> IssuedPass:
        return self._issued(response.json())

    def build_get(self, pass_id: str) -> VendorRequest:
        path = f"/accounts/{self.settings.account}/cards/{pass_id}"
        return VendorRequest("GET", path, Safety.SAFE)

    def parse_get(self, response: VendorResponse, pass_id: str) -> IssuedPass:
        return self._issued(response.json())

    def _issued(self, card: dict[str, Any]) -> IssuedPass:
        return IssuedPass(
            id=card["card_id"],
            vendor_id=card["card_id"],
            provider=self.name,
            template=card["design"],
            status=PassStatus.ISSUED,
            fields=card["values"],
            raw=card,
        )
'''

ACME_EMULATOR = """
import itertools
from typing import Any

from walletpass.testing.emulator import EmulatorApp, EmulatorResponse, route


class AcmeEmulator(EmulatorApp):
    def __init__(self, api_key: str = "acme-test-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.cards: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)

    def before_route(self, request: Any) -> Any:
        if request.header("x-acme-key") != self.api_key:
            return self.error_response(401, "unknown key")
        return None

    @route("POST", "/accounts/{account}/cards")
    def create(self, request: Any) -> EmulatorResponse:
        body = request.json()
        card = {"card_id": f"acme-{next(self._ids):04d}", "account": request.params["account"],
                **body}
        self.cards[card["card_id"]] = card
        return EmulatorResponse.json_body(card, 201)

    @route("GET", "/accounts/{account}/cards/{card_id}")
    def get(self, request: Any) -> EmulatorResponse:
        card = self.cards.get(request.params["card_id"])
        if card is None:
            return self.error_response(404, "no such card")
        return EmulatorResponse.json_body(card)
"""

TWIN = """
from typing import ClassVar
from walletpass.fake import FakeProvider


class TwinProvider(FakeProvider):
    name: ClassVar[str] = "twin"
"""


def _project(root: Path, dist: str, package: str, files: dict[str, str], entry: str) -> Path:
    """A source tree as a plugin author would publish it."""
    project = root / dist
    (project / package).mkdir(parents=True)
    for name, source in files.items():
        (project / package / name).write_text(textwrap.dedent(source).lstrip())
    (project / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "{dist}"
            version = "1.2.3"
            dependencies = ["walletpass"]

            [tool.setuptools]
            packages = ["{package}"]
            """
        )
        + entry
    )
    return project


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four plugin distributions built and installed by pip into one private directory."""
    root = tmp_path_factory.mktemp("plugins")
    projects = [
        _project(
            root,
            "acme-wallet",
            "acme_wallet",
            {
                "__init__.py": "from acme_wallet.provider import AcmeProvider\n",
                "provider.py": ACME_PROVIDER,
                "emulator.py": ACME_EMULATOR,
            },
            '[project.entry-points."walletpass.providers"]\n'
            'acme = "acme_wallet:AcmeProvider"\n'
            '[project.entry-points."walletpass.emulators"]\n'
            'acme = "acme_wallet.emulator:AcmeEmulator"\n',
        ),
        _project(
            root,
            "broken-wallet",
            "broken_wallet",
            {"__init__.py": "import acme_sdk_that_is_not_installed\n"},
            '[project.entry-points."walletpass.providers"]\n'
            'brokenwp = "broken_wallet:BrokenProvider"\n',
        ),
        _project(
            root,
            "twin-one",
            "twin_one",
            {"__init__.py": TWIN},
            '[project.entry-points."walletpass.providers"]\ntwin = "twin_one:TwinProvider"\n',
        ),
        _project(
            root,
            "twin-two",
            "twin_two",
            {"__init__.py": TWIN},
            '[project.entry-points."walletpass.providers"]\ntwin = "twin_two:TwinProvider"\n',
        ),
    ]
    site = root / "site"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
            "--target",
            str(site),
            *map(str, projects),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (site / "acme_wallet-1.2.3.dist-info" / "entry_points.txt").is_file()
    return site


def run_python(site: Path | None, script: str, **env: str) -> Any:
    """Run ``script`` in a new interpreter seeing ``site``; it prints one JSON document."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WALLETPASS_")}
    environ.pop("PYTHONPATH", None)
    if site is not None:
        environ["PYTHONPATH"] = str(site)
        # stevedore caches entry points per sys.path on disk: keep this run's cache private.
        environ["XDG_CACHE_HOME"] = str(site.parent / "cache")
    environ.update(env)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# --------------------------------------------------------------------------------------------
# Installed plugins
# --------------------------------------------------------------------------------------------

USE_ACME = """
    import json, sys
    import walletpass
    from walletpass import Pass, Holder, UnsupportedFeature, UnsupportedOperation
    from walletpass.registry import provider_info
    from walletpass.testing.emulator import EmulatorServer
    from walletpass.testing.emulators import available_emulators, load_emulator

    out = {"providers": walletpass.available_providers(), "emulators": available_emulators()}
    out["plugin_imported_by_listing"] = "acme_wallet" in sys.modules
    emulator = load_emulator("acme", api_key="%(key)s")
    with EmulatorServer(emulator) as server:
        wallet = %(connect)s
        card = wallet.create(Pass(template="gold", holder=Holder(name="Ada"), fields={"tier": 2}))
        again = wallet.get(card.id)
        try:
            wallet.create(Pass(template="gold", holder=Holder(email="ada@example.com")))
        except UnsupportedFeature as exc:
            out["refused_feature"] = list(exc.features)
        try:
            wallet.redeem(card.id)
        except UnsupportedOperation as exc:
            out["refused_operation"] = exc.operation
    out["card"] = again.model_dump(mode="json", include={"id", "provider", "template", "fields"})
    entries = emulator.journal.entries
    out["sent"] = [(e.method, e.path, e.json() if e.body else None) for e in entries]
    out["class"] = type(wallet).__module__ + "." + type(wallet).__qualname__
    info = provider_info("acme")
    out["info"] = [info.distribution, info.version, info.target]
    print(json.dumps(out))
"""


def test_a_pip_installed_plugin_is_discovered_and_used_through_connect(plugin_site: Path) -> None:
    connect = (
        f'walletpass.connect("acme", api_key="{ACME_KEY}", account="ac-9", base_url=server.url)'
    )
    out = run_python(plugin_site, USE_ACME % {"key": ACME_KEY, "connect": connect})
    assert {"acme", "brokenwp", "twin", "fake"} <= set(out["providers"])
    assert "acme" in out["emulators"]
    assert out["plugin_imported_by_listing"] is False
    assert out["class"] == "acme_wallet.provider.AcmeProvider"
    assert out["info"] == ["acme-wallet", "1.2.3", "acme_wallet:AcmeProvider"]
    assert out["card"] == {
        "id": "acme-0001",
        "provider": "acme",
        "template": "gold",
        "fields": {"tier": 2},
    }
    # The core's pipeline ran for the plugin: refusals happened before anything was sent.
    assert out["refused_feature"] == ["holder.email"]
    assert out["refused_operation"] == "redeem"
    assert out["sent"] == [
        [
            "POST",
            "/accounts/ac-9/cards",
            {"design": "gold", "values": {"tier": 2}, "cardholder": "Ada"},
        ],
        ["GET", "/accounts/ac-9/cards/acme-0001", None],
    ]


def test_a_plugin_is_chosen_by_configuration_alone(plugin_site: Path, tmp_path: Path) -> None:
    (tmp_path / "walletpass.toml").write_text(
        'provider = "fake"\n[providers.acme]\naccount = "ac-cfg"\n'
        '[providers.acme.templates.member-card]\nid = "gold"\nfields = { level = "tier" }\n'
    )
    script = f"""
        import json, os
        os.chdir({str(tmp_path)!r})
        import walletpass
        from walletpass import Pass
        from walletpass.testing.emulator import EmulatorServer
        from walletpass.testing.emulators import load_emulator

        emulator = load_emulator("acme", api_key={ACME_KEY!r})
        with EmulatorServer(emulator) as server:
            os.environ["WALLETPASS_ACME_BASE_URL"] = server.url
            wallet = walletpass.from_config()
            card = wallet.create(Pass(template="member-card", fields={{"level": 3}}))
        print(json.dumps([wallet.name, card.template, card.fields]))
    """
    out = run_python(
        plugin_site, script, WALLETPASS_PROVIDER="acme", WALLETPASS_ACME_API_KEY=ACME_KEY
    )
    assert out == ["acme", "member-card", {"level": 3}]  # read back in the app's terms


def test_without_the_install_the_plugin_is_unknown(plugin_site: Path) -> None:
    script = """
        import json, walletpass
        try:
            walletpass.connect("acme")
        except walletpass.ProviderNotFound as exc:
            print(json.dumps([walletpass.available_providers(), str(exc)]))
    """
    providers, message = run_python(None, script)
    assert "acme" not in providers and "fake" in providers
    assert "no walletpass provider named 'acme'" in message
    # walletpass-acme is no package walletpass knows to exist: no install hint names it
    assert "pip install" not in message


def test_a_broken_plugin_breaks_nothing_else_and_says_why(plugin_site: Path) -> None:
    script = """
        import json, walletpass
        out = {"before": walletpass.available_providers()}
        try:
            walletpass.connect("brokenwp")
        except walletpass.ProviderNotFound as exc:
            out["error"] = str(exc)
            out["cause"] = type(exc.__cause__).__name__
            out["is_configuration_error"] = isinstance(exc, walletpass.ConfigurationError)
        out["after"] = walletpass.available_providers()
        out["fake_still_works"] = walletpass.connect("fake").create(
            walletpass.Pass(template="t")).provider
        out["acme_still_loads"] = walletpass.registry.load_provider_class("acme").__name__
        print(json.dumps(out))
    """
    out = run_python(plugin_site, script)
    assert "brokenwp" in out["before"] and out["after"] == out["before"]
    assert out["is_configuration_error"] is True
    assert out["cause"] == "ModuleNotFoundError"
    message = out["error"]
    assert "'brokenwp'" in message
    assert "package 'broken-wallet'" in message
    assert "ModuleNotFoundError" in message and "acme_sdk_that_is_not_installed" in message
    assert "pip install --force-reinstall broken-wallet" in message
    assert out["fake_still_works"] == "fake"
    assert out["acme_still_loads"] == "AcmeProvider"


def test_two_plugins_with_the_same_name_are_a_configuration_error(plugin_site: Path) -> None:
    script = """
        import json, walletpass
        out = {"listed": walletpass.available_providers().count("twin")}
        try:
            walletpass.connect("twin")
        except walletpass.ConfigurationError as exc:
            out["error"] = str(exc)
            out["type"] = type(exc).__name__
        print(json.dumps(out))
    """
    out = run_python(plugin_site, script)
    assert out["listed"] == 1
    assert out["type"] == "ConfigurationError"
    assert "two installed plugins claim the provider name 'twin'" in out["error"]
    assert "twin_one:TwinProvider" in out["error"] and "twin_two:TwinProvider" in out["error"]


# --------------------------------------------------------------------------------------------
# In-process registration
# --------------------------------------------------------------------------------------------


class InProcessProvider(FakeProvider):
    name: ClassVar[str] = "inproc"
    summary: ClassVar[str] = "registered by the application itself"


class NarrowProvider(FakeProvider):
    name: ClassVar[str] = "inproc"
    capabilities: ClassVar[Capabilities] = Capabilities(
        {Capability.CREATE: native("only create"), Capability.KIND_GENERIC: native("generic")}
    )


def test_register_provider_makes_a_class_available_by_name() -> None:
    register_provider("inproc", InProcessProvider)
    try:
        assert "inproc" in available_providers()
        wallet = walletpass.connect("inproc")
        assert type(wallet) is InProcessProvider
        assert wallet.create(Pass(template="t")).provider == "inproc"
        info = provider_info("inproc")
        assert info.registered_in_process and info.distribution is None
        assert info.target.endswith("InProcessProvider")
        register_provider("inproc", InProcessProvider)  # the same class again is harmless
        with pytest.raises(ConfigurationError, match="already registered"):
            register_provider("inproc", NarrowProvider)
        register_provider("inproc", NarrowProvider, replace=True)
        assert load_provider_class("inproc") is NarrowProvider
    finally:
        unregister_provider("inproc")
    assert "inproc" not in available_providers()
    with pytest.raises(ProviderNotFound):
        walletpass.connect("inproc")


class Misnamed(FakeProvider):
    name: ClassVar[str] = "something-else"


class FromTheFuture(FakeProvider):
    name: ClassVar[str] = "future"
    provider_api_version: ClassVar[int] = PROVIDER_API_VERSION + 1


class NotAProvider:
    name = "plain"


@pytest.mark.parametrize(
    ("name", "cls", "expected"),
    [
        ("plain", NotAProvider, "does not point to a walletpass.Provider subclass"),
        ("plain", object(), "does not point to a walletpass.Provider subclass"),
        ("mismatch", Misnamed, "declares name 'something-else', not 'mismatch'"),
        ("future", FromTheFuture, "provider API version"),
    ],
)
def test_register_provider_refuses_what_could_not_work(name: str, cls: Any, expected: str) -> None:
    with pytest.raises(ConfigurationError, match=expected):
        register_provider(name, cls)
    assert name not in available_providers()


def test_two_accounts_of_one_provider_coexist() -> None:
    class Plain(Provider):
        name: ClassVar[str] = "plain-two"
        capabilities: ClassVar[Capabilities] = Capabilities(
            {Capability.CREATE: native("x"), Capability.KIND_GENERIC: native("x")}
        )

        def execute_create(self, new_pass: Pass) -> IssuedPass:
            key = self.settings.api_key.get_secret_value() if self.settings.api_key else ""
            return IssuedPass(id=key, vendor_id=key, provider=self.name)

    register_provider("plain-two", Plain)
    try:
        first = walletpass.connect("plain-two", api_key="key-one")
        second = walletpass.connect("plain-two", api_key="key-two")
        assert first.create(Pass(template="t")).id == "key-one"
        assert second.create(Pass(template="t")).id == "key-two"
    finally:
        unregister_provider("plain-two")


# --------------------------------------------------------------------------------------------
# Emulator options
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("vendor", ["pass2u", "passentry", "livepasses", "livepass"])
def test_an_emulator_option_it_does_not_have_is_refused_with_its_options(vendor: str) -> None:
    """Pass2U's and PassEntry's emulators take ``**limits: Unpack[AccountLimits]``, which
    accepts any keyword at run time: ``--option modls:=[...]`` started an emulator without the
    models, silently. Every shipped emulator now refuses what it does not take, as those with a
    closed signature already did (with a TypeError's words), naming its options."""
    from walletpass.testing.emulators import load_emulator

    with pytest.raises(ConfigurationError) as caught:
        load_emulator(vendor, api_kee="k")

    message = caught.value.message
    assert f"the emulator for {vendor!r} has no option 'api_kee' (did you mean 'api_key'?)" in (
        message
    )
    assert message.split("its options: ", 1)[1].split(", ")[0] == "api_key"


def test_an_emulator_taking_any_keyword_is_given_what_it_is_given() -> None:
    from walletpass.testing.emulators import _accepted_options

    def open_factory(api_key: str = "k", **anything: Any) -> None: ...

    def closed_factory(api_key: str = "k", *, models: Any = None) -> None: ...

    assert _accepted_options(open_factory) is None
    assert _accepted_options(closed_factory) == {"api_key", "models"}


def test_an_emulator_class_inheriting_its_init_is_checked_by_that_init() -> None:
    from walletpass_pass2u.emulator import Pass2UEmulator

    from walletpass.testing.emulators import _accepted_options

    class Seeded(Pass2UEmulator):
        pass

    assert _accepted_options(Seeded) == _accepted_options(Pass2UEmulator)
    assert _accepted_options(Seeded) == {"api_key", "models", "rate_limit", "rate_window", "clock"}
