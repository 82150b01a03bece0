"""connect() and from_config(): where settings come from, in which order, and how they fail.

The documented precedence, highest first: keyword arguments, the environment (the provider name in
``WALLETPASS_PROVIDER``, settings in ``WALLETPASS_<PROVIDER>_<SETTING>``), the configuration file
(``walletpass.toml`` in the working directory, else ``[tool.walletpass]`` in ``pyproject.toml``,
or the file named by ``WALLETPASS_CONFIG``), then the provider's defaults. ``connect()`` reads no
file. Every test runs in its own directory with no ``WALLETPASS_*`` variable inherited.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import Field, SecretStr

import walletpass
from walletpass import (
    Capabilities,
    Capability,
    ConfigurationError,
    IssuedPass,
    Pass,
    PassKind,
    PassUpdate,
    Provider,
    ProviderNotFound,
    ProviderSettings,
    native,
    register_provider,
    unregister_provider,
)
from walletpass.config import env_prefix, find_config_file, resolve_config
from walletpass.fake import FakeProvider

SECRET = "sk-live-7d1f0c93be42a8"
WEBHOOK_SECRET = "whsec-55aa01bc9e"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in list(os.environ):
        if key.startswith("WALLETPASS_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


class AccountSettings(ProviderSettings):
    account: str = Field(min_length=1, description="required: the vendor account id")
    region: str = "eu"
    webhook_secret: SecretStr | None = None


class AccountProvider(Provider):
    """A vendor-like provider with a required setting and two secrets (nothing is sent)."""

    name: ClassVar[str] = "account-vendor"
    Settings: ClassVar[type[ProviderSettings]] = AccountSettings
    capabilities: ClassVar[Capabilities] = Capabilities({Capability.CREATE: native("kept")})

    def execute_create(self, new_pass: Pass) -> IssuedPass:
        return IssuedPass(id="a-1", vendor_id="a-1", provider=self.name, template=new_pass.template)


@pytest.fixture
def account() -> Iterator[str]:
    register_provider(AccountProvider.name, AccountProvider)
    yield AccountProvider.name
    unregister_provider(AccountProvider.name)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# Precedence
# --------------------------------------------------------------------------------------------


def test_settings_precedence_argument_then_environment_then_file_then_default(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        isolated / "walletpass.toml",
        'provider = "fake"\n[providers.fake]\ntimeout = 11\nmax_retries = 4\nconcurrency = 3\n',
    )
    monkeypatch.setenv("WALLETPASS_FAKE_TIMEOUT", "22")
    monkeypatch.setenv("WALLETPASS_FAKE_MAX_RETRIES", "5")
    wallet = walletpass.from_config(timeout=33)
    assert isinstance(wallet, FakeProvider)
    assert wallet.settings.timeout == 33  # argument beats environment and file
    assert wallet.settings.max_retries == 5  # environment beats file
    assert wallet.settings.concurrency == 3  # file beats default
    assert wallet.settings.connect_timeout == 5.0  # the default
    resolved = resolve_config()
    assert resolved.sources == {
        "timeout": "environment",
        "max_retries": "environment",
        "concurrency": str(isolated / "walletpass.toml"),
    }


def test_provider_name_precedence(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, account: str
) -> None:
    write(isolated / "walletpass.toml", f'provider = "{account}"\n')
    monkeypatch.setenv("WALLETPASS_ACCOUNT_VENDOR_ACCOUNT", "acc-1")
    assert walletpass.from_config().name == account  # the file
    monkeypatch.setenv("WALLETPASS_PROVIDER", "fake")
    assert walletpass.from_config().name == "fake"  # the environment beats the file
    assert walletpass.from_config(provider=account).name == account  # the argument beats both


def test_connect_reads_the_environment_but_never_a_file(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(isolated / "walletpass.toml", "[providers.fake]\ntimeout = 11\nbogus = 1\n")
    wallet = walletpass.connect("fake")
    assert wallet.settings.timeout == 30.0
    monkeypatch.setenv("WALLETPASS_FAKE_TIMEOUT", "12.5")
    assert walletpass.connect("fake").settings.timeout == 12.5
    assert walletpass.connect("fake", timeout=3).settings.timeout == 3


def test_the_provider_must_be_named_somewhere() -> None:
    with pytest.raises(ConfigurationError) as caught:
        walletpass.from_config()
    assert "WALLETPASS_PROVIDER" in str(caught.value) and "walletpass.toml" in str(caught.value)


def test_environment_mapping_can_be_passed_explicitly(isolated: Path) -> None:
    env = {"WALLETPASS_PROVIDER": "fake", "WALLETPASS_FAKE_DEADLINE": "9"}
    assert walletpass.from_config(env=env).settings.deadline == 9
    assert "WALLETPASS_PROVIDER" not in os.environ


# --------------------------------------------------------------------------------------------
# Which file
# --------------------------------------------------------------------------------------------


def test_pyproject_tool_table_is_read_when_there_is_no_walletpass_toml(isolated: Path) -> None:
    write(
        isolated / "pyproject.toml",
        '[project]\nname = "app"\n[tool.walletpass]\nprovider = "fake"\n'
        "[tool.walletpass.providers.fake]\ntimeout = 7\n",
    )
    assert find_config_file() == isolated / "pyproject.toml"
    assert walletpass.from_config().settings.timeout == 7
    write(isolated / "walletpass.toml", 'provider = "fake"\n[providers.fake]\ntimeout = 8\n')
    assert find_config_file() == isolated / "walletpass.toml"
    assert walletpass.from_config().settings.timeout == 8


def test_a_pyproject_without_a_walletpass_table_is_not_configuration(isolated: Path) -> None:
    write(isolated / "pyproject.toml", '[project]\nname = "app"\n[tool.ruff]\nline-length = 99\n')
    assert find_config_file() is None
    with pytest.raises(ConfigurationError, match="no provider configured"):
        walletpass.from_config()


def test_walletpass_config_names_the_file_and_an_explicit_path_beats_it(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(isolated / "walletpass.toml", 'provider = "fake"\n[providers.fake]\ntimeout = 1\n')
    elsewhere = isolated / "etc"
    elsewhere.mkdir()
    chosen = write(elsewhere / "prod.toml", 'provider = "fake"\n[providers.fake]\ntimeout = 2\n')
    explicit = write(elsewhere / "ci.toml", 'provider = "fake"\n[providers.fake]\ntimeout = 3\n')
    monkeypatch.setenv("WALLETPASS_CONFIG", str(chosen))
    assert walletpass.from_config().settings.timeout == 2
    assert walletpass.from_config(explicit).settings.timeout == 3
    monkeypatch.setenv("WALLETPASS_CONFIG", str(elsewhere / "missing.toml"))
    with pytest.raises(ConfigurationError, match="WALLETPASS_CONFIG points to"):
        walletpass.from_config()
    with pytest.raises(ConfigurationError, match="does not exist"):
        walletpass.from_config(elsewhere / "absent.toml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("provider = \n", "not valid TOML"),
        (
            'provider = "fake"\nprofile = "x"\n',
            "unknown key(s) profile",
        ),
        ("provider = 5\n", "provider name must be a string"),
        ('provider = "fake"\nproviders = 3\n', "providers"),
        ('provider = "fake"\n[providers]\nfake = 3\n', "providers.fake"),
        ('provider = "fake"\n[providers.fake]\ntemplates = 3\n', "templates"),
    ],
)
def test_malformed_files_are_configuration_errors(isolated: Path, text: str, expected: str) -> None:
    write(isolated / "walletpass.toml", text)
    with pytest.raises(ConfigurationError) as caught:
        walletpass.from_config()
    assert expected in str(caught.value)


@pytest.mark.parametrize("text", ["tool = 3\n", "[tool]\nwalletpass = 3\n"])
def test_a_malformed_pyproject_is_a_configuration_error(isolated: Path, text: str) -> None:
    write(isolated / "pyproject.toml", text)
    with pytest.raises(ConfigurationError):
        walletpass.from_config(provider="fake")


def test_junk_arguments_are_configuration_errors(isolated: Path) -> None:
    calls: list[Callable[[], object]] = [
        lambda: walletpass.from_config(123),  # type: ignore[arg-type]
        lambda: walletpass.from_config(env=5),  # type: ignore[arg-type]
        lambda: walletpass.from_config(env={"WALLETPASS_PROVIDER": 5}),  # type: ignore[dict-item]
        lambda: walletpass.from_config(provider=5),  # type: ignore[arg-type]
        lambda: walletpass.connect(5),  # type: ignore[arg-type]
        lambda: walletpass.connect(""),
    ]
    for call in calls:
        with pytest.raises(ConfigurationError):
            call()


# --------------------------------------------------------------------------------------------
# Template aliases
# --------------------------------------------------------------------------------------------

ALIASES = """
provider = "fake"

[providers.fake.templates]
member = 1919

[providers.fake.templates.vip-ticket]
id = "tpl-42"
kind = "event_ticket"
fields = { seat = "seat_no", gate = "entrance" }
"""


def test_aliases_map_logical_templates_and_rename_field_keys(isolated: Path) -> None:
    write(isolated / "walletpass.toml", ALIASES)
    wallet = walletpass.from_config()
    ticket = wallet.create(
        Pass(template="vip-ticket", fields={"seat": "12B", "gate": "4", "row": 7})
    )
    # Read back in the application's terms; the vendor's template id stays available.
    assert (ticket.template, ticket.vendor_template) == ("vip-ticket", "tpl-42")
    assert ticket.kind is PassKind.EVENT_TICKET
    assert ticket.fields == {"seat": "12B", "gate": "4", "row": 7}
    sent = wallet.calls[-1].params  # type: ignore[attr-defined]
    assert sent["template"] == "tpl-42" and sent["fields"]["seat_no"] == "12B"
    assert sent["fields"] == {"seat_no": "12B", "entrance": "4", "row": 7}
    assert wallet.get(ticket.id).fields == ticket.fields
    member = wallet.create(Pass(template="member", kind="loyalty"))
    # a TOML integer id becomes the vendor's string id
    assert (member.template, member.vendor_template) == ("member", "1919")
    assert member.kind is PassKind.LOYALTY  # an explicit kind is never overridden
    assert [p.id for p in wallet.list(template="vip-ticket")] == [ticket.id]


def test_field_renames_apply_to_updates_too(isolated: Path) -> None:
    write(isolated / "walletpass.toml", ALIASES)
    wallet = walletpass.from_config()
    ticket = wallet.create(Pass(template="vip-ticket", fields={"seat": "12B"}))
    moved = wallet.update(ticket.id, PassUpdate(fields={"seat": "14C"}))
    assert moved.fields == {"seat": "14C"}
    assert wallet.calls[-1].params["change"]["fields"] == {"seat_no": "14C"}  # type: ignore[attr-defined]


def test_an_unaliased_template_is_the_vendors_own_id(isolated: Path) -> None:
    write(isolated / "walletpass.toml", ALIASES)
    wallet = walletpass.from_config()
    issued = wallet.create(Pass(template="3001", fields={"seat": "12B"}))
    assert issued.template == issued.vendor_template == "3001"
    assert issued.fields == {"seat": "12B"}
    assert walletpass.connect("fake").create(Pass(template="vip-ticket")).template == "vip-ticket"


def test_aliases_from_the_environment_and_from_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "WALLETPASS_FAKE_TEMPLATES", '{"vip": {"id": "env-7", "fields": {"seat": "s"}}}'
    )
    wallet = walletpass.connect("fake")
    issued = wallet.create(Pass(template="vip", fields={"seat": "1A"}))
    assert (issued.vendor_template, issued.fields) == ("env-7", {"seat": "1A"})
    assert wallet.calls[-1].params["fields"] == {"s": "1A"}  # type: ignore[attr-defined]
    coded = walletpass.connect("fake", templates={"vip": "code-9"})
    assert coded.create(Pass(template="vip")).vendor_template == "code-9"
    monkeypatch.setenv("WALLETPASS_FAKE_TEMPLATES", "vip=env-7")
    with pytest.raises(ConfigurationError, match="must be JSON"):
        walletpass.connect("fake")


def test_a_bad_alias_is_a_configuration_error_naming_it(isolated: Path) -> None:
    write(
        isolated / "walletpass.toml",
        'provider = "fake"\n[providers.fake.templates.vip]\nid = "x"\nfeilds = {}\n',
    )
    with pytest.raises(ConfigurationError, match=r"templates\.vip\.feilds"):
        walletpass.from_config()


# --------------------------------------------------------------------------------------------
# Unknown and missing settings
# --------------------------------------------------------------------------------------------


def test_unknown_settings_list_the_valid_ones_wherever_they_come_from(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    valid = ", ".join(sorted(walletpass.fake.FakeSettings.model_fields))
    with pytest.raises(ConfigurationError) as caught:
        walletpass.connect("fake", time_out=3)
    assert "unknown setting(s) time_out" in str(caught.value)
    assert f"valid settings: {valid}" in str(caught.value)

    write(isolated / "walletpass.toml", 'provider = "fake"\n[providers.fake]\nretries = 2\n')
    with pytest.raises(
        ConfigurationError, match=f"unknown setting.*retries.*valid settings: {valid}"
    ):
        walletpass.from_config()
    os.remove(isolated / "walletpass.toml")

    monkeypatch.setenv("WALLETPASS_FAKE_RETRIES", "2")
    with pytest.raises(ConfigurationError) as caught:
        walletpass.connect("fake")
    message = str(caught.value)
    assert "WALLETPASS_FAKE_RETRIES names no setting" in message
    assert "WALLETPASS_FAKE_MAX_RETRIES" in message and "WALLETPASS_FAKE_TIMEOUT" in message


def test_missing_and_invalid_settings_are_named_with_the_variable_to_set(account: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        walletpass.connect(account)
    message = str(caught.value)
    assert "missing setting(s) account" in message
    assert "e.g. set WALLETPASS_ACCOUNT_VENDOR_ACCOUNT" in message
    assert "valid settings: account, api_key" in message
    with pytest.raises(ConfigurationError, match=r"invalid setting.*timeout") as caught:
        walletpass.connect(account, account="acc-1", timeout=-1)
    # the name is right, only the value is not: the list of every name would bury the fix
    assert "valid settings" not in str(caught.value)
    for url in ("http://api.vendor.example", "HTTP://10.0.0.5/v1"):
        with pytest.raises(ConfigurationError) as caught:
            walletpass.connect(account, account="acc-1", base_url=url)
        assert "base_url: uses plain http://" in str(caught.value)
        assert "valid settings" not in str(caught.value)
    assert walletpass.connect(account, account="acc-1").settings.region == "eu"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("timeout", "soon", "timeout: must be a number"),
        ("base_url", "http://api.vendor.example", "base_url: uses plain http://"),
    ],
)
def test_a_refused_value_names_the_variable_or_file_it_was_read_from(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, setting: str, value: str, said: str
) -> None:
    # the error said 'timeout: must be a number' where the user had set WALLETPASS_FAKE_TIMEOUT
    # (or a file's table): the place to fix was left to guess
    variable = f"WALLETPASS_FAKE_{setting.upper()}"
    monkeypatch.setenv(variable, value)
    for make in (
        lambda: walletpass.connect("fake"),
        lambda: walletpass.from_config(provider="fake"),
    ):
        with pytest.raises(ConfigurationError) as caught:
            make()
        assert said in str(caught.value)
        assert f"{setting} was read from {variable}" in str(caught.value)
    monkeypatch.delenv(variable)
    config = write(
        isolated / "walletpass.toml",
        f'provider = "fake"\n[providers.fake]\n{setting} = "{value}"\n',
    )
    with pytest.raises(ConfigurationError) as caught:
        walletpass.from_config()
    assert said in str(caught.value) and f"{setting} was read from {config}" in str(caught.value)
    with pytest.raises(ConfigurationError) as caught:
        walletpass.connect("fake", **{setting: value})  # the caller's own argument: no origin
    assert said in str(caught.value) and "was read from" not in str(caught.value)


def test_environment_variable_names_follow_the_provider_name() -> None:
    assert env_prefix("pass2u") == "WALLETPASS_PASS2U_"
    assert env_prefix("account-vendor") == "WALLETPASS_ACCOUNT_VENDOR_"


def test_an_unknown_provider_is_provider_not_found_without_an_invented_package() -> None:
    with pytest.raises(ProviderNotFound) as caught:
        walletpass.connect("acme-pay", api_key=SECRET)
    assert isinstance(caught.value, ConfigurationError)
    assert "pip install" not in str(caught.value)
    assert "fake" in str(caught.value)  # what is installed


# --------------------------------------------------------------------------------------------
# Secrets
# --------------------------------------------------------------------------------------------


def test_secrets_are_refused_in_files_and_read_from_the_environment(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, account: str
) -> None:
    write(
        isolated / "walletpass.toml",
        f'provider = "{account}"\n[providers.{account}]\naccount = "acc-1"\n'
        f'api_key = "{SECRET}"\nwebhook_secret = "{WEBHOOK_SECRET}"\n',
    )
    with pytest.raises(ConfigurationError) as caught:
        walletpass.from_config()
    message = str(caught.value)
    assert "must not be stored in a configuration file" in message
    assert "WALLETPASS_ACCOUNT_VENDOR_API_KEY" in message
    assert "WALLETPASS_ACCOUNT_VENDOR_WEBHOOK_SECRET" in message
    assert SECRET not in message and WEBHOOK_SECRET not in message

    write(
        isolated / "walletpass.toml",
        f'provider = "{account}"\n[providers.{account}]\naccount = "a"\n',
    )
    monkeypatch.setenv("WALLETPASS_ACCOUNT_VENDOR_API_KEY", SECRET)
    monkeypatch.setenv("WALLETPASS_ACCOUNT_VENDOR_WEBHOOK_SECRET", WEBHOOK_SECRET)
    wallet = walletpass.from_config()
    assert wallet.settings.api_key is not None
    assert wallet.settings.api_key.get_secret_value() == SECRET


def test_secrets_never_show_in_reprs_strings_or_errors(
    monkeypatch: pytest.MonkeyPatch, account: str
) -> None:
    monkeypatch.setenv("WALLETPASS_ACCOUNT_VENDOR_API_KEY", SECRET)
    monkeypatch.setenv("WALLETPASS_ACCOUNT_VENDOR_WEBHOOK_SECRET", WEBHOOK_SECRET)
    wallet = walletpass.connect(account, account="acc-1")
    resolved = resolve_config(account, use_file=False, overrides={"account": "acc-1"})
    shown: list[Any] = [wallet, wallet.settings, resolved]
    text = " ".join(f"{value!r} {value}" for value in shown)
    text += " " + wallet.settings.model_dump_json()
    for secret in (SECRET, WEBHOOK_SECRET):
        assert secret not in text
    with pytest.raises(ConfigurationError) as caught:
        walletpass.connect(account, account="", api_key=SECRET)
    assert SECRET not in f"{caught.value} {caught.value!r} {caught.value.details!r}"
    with pytest.raises(ConfigurationError) as caught:
        walletpass.connect(account, account="a", api_key=12345678901)
    assert "12345678901" not in str(caught.value)


def test_several_configurations_coexist_in_one_process() -> None:
    first = walletpass.connect("fake", templates={"vip": "one"})
    second = walletpass.connect("fake", templates={"vip": "two"})
    assert first.create(Pass(template="vip")).vendor_template == "one"
    assert second.create(Pass(template="vip")).vendor_template == "two"
    assert first.settings.templates["vip"].id == "one"


def test_connect_and_from_config_document_the_errors_they_raise(tmp_path: Path) -> None:
    """Their docstrings (the API reference) name what each raises; each is raised here."""
    import inspect

    import walletpass
    from walletpass.errors import ConfigurationError, ProviderNotFound

    raised = []
    for call in (
        lambda: walletpass.connect("no-such-provider"),
        lambda: walletpass.connect("fake", no_such_setting=1),
        lambda: walletpass.connect("fake", max_retries=-1),
        lambda: walletpass.from_config(tmp_path / "missing.toml"),
    ):
        with pytest.raises(ConfigurationError) as caught:
            call()
        raised.append(type(caught.value).__name__)
    assert raised == [
        "ProviderNotFound",
        "ConfigurationError",
        "ConfigurationError",
        "ConfigurationError",
    ]
    assert issubclass(ProviderNotFound, ConfigurationError)
    for function in (walletpass.connect, walletpass.from_config):
        doc = inspect.getdoc(function) or ""
        for name in set(raised):
            assert f":raises {name}:" in doc, (function.__name__, name)
        assert ":returns:" in doc and ":param" in doc, function.__name__


def test_a_configuration_warning_quoting_undecodable_bytes_is_writable_as_utf8(
    isolated: Path,
) -> None:
    """A variable name with a byte that is not UTF-8 (os.environ holds it as a lone surrogate)
    made a ConfigurationWarning no UTF-8 stream could write: a UTF-8 log file refuses it, and a
    pytest-xdist worker recording it died (INTERNALERROR, 'strings must be utf-8 encodable'),
    dropping the rest of its tests (tests/test_fuzz.py's from_config hit it now and then)."""
    env = {"WALLETPASS_PASS2\udcffU_API_KEY": "k"}
    with pytest.warns(walletpass.ConfigurationWarning) as caught:
        walletpass.from_config(provider="fake", env=env).close()
    [warning] = caught.list
    text = str(warning.message)
    text.encode("utf-8")  # raises UnicodeEncodeError on a lone surrogate
    assert "WALLETPASS_PASS2\\udcffU_API_KEY" in text
    assert warning.filename == __file__  # still attributed to the caller of from_config()
