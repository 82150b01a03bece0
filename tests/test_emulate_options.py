"""Seeding an emulator from the command line: options of the wrong shape are a clear refusal.

``walletpass emulate pass2u --option models=[...]`` passes the models as text (``KEY:=JSON``
decodes them); every emulator must refuse that as a configuration error that says how to give
the value, never fail inside its constructor as "a bug in walletpass".
"""

from __future__ import annotations

import pytest

from walletpass import ConfigurationError
from walletpass.cli import main
from walletpass.testing.emulators import load_emulator

MODELS = '[{"id": "7001", "style": "storeCard", "fields": ["name"]}]'
TEMPLATES = '[{"uuid": "5f0e9c1d2b3a4f5e6d7c8b9a", "pass_type": "storeCard", "fields": ["x"]}]'


@pytest.mark.parametrize(
    ("vendor", "options"),
    [
        ("pass2u", {"models": MODELS}),
        ("passentry", {"templates": TEMPLATES}),
        ("livepasses", {"templates": '[{"id": "t", "type": "Loyalty"}]'}),
        ("livepasses", {"stamp_cooldown": "soon"}),
    ],
)
def test_a_structured_option_given_as_text_is_a_configuration_error(
    vendor: str, options: dict[str, str]
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_emulator(vendor, **options)
    assert "KEY:=JSON" in str(refused.value)
    assert next(iter(options)) in str(refused.value)


def test_the_cli_says_how_to_seed_and_exits_with_a_usage_status(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["emulate", "pass2u", "--port", "0", "--option", f"models={MODELS}"])
    err = capsys.readouterr().err
    assert status == 1
    assert "models:=" in err and "bug" not in err


def test_json_options_seed_the_emulator() -> None:
    app = load_emulator("pass2u", models=[{"id": "7001", "style": "storeCard", "fields": ["a"]}])
    assert "7001" in app.models
