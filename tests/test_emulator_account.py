"""The emulated account's parts every emulator shares, in the testing kit: its API key (compared
in constant time), its clock, and its dashboard catalogue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from walletpass.testing.emulator import EmulatorApp


class _Record:
    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def from_mapping(cls, data: dict[str, str]) -> _Record:
        return cls(data["name"])


class _KeyedByClass(EmulatorApp):
    api_key = "sk_class"


def test_the_key_given_is_the_one_checked() -> None:
    app = EmulatorApp(api_key="sk_live")
    assert app.is_api_key("sk_live")
    assert not app.is_api_key("sk_live ") and not app.is_api_key("") and not app.is_api_key(None)
    assert not EmulatorApp().is_api_key("anything")  # no key: nothing is one
    assert _KeyedByClass().is_api_key("sk_class")  # a class's own key is kept
    assert _KeyedByClass(api_key="sk_other").is_api_key("sk_other")


def test_the_clock_is_now_in_utc_unless_a_test_gives_one() -> None:
    before = datetime.now(UTC)
    assert before <= EmulatorApp().clock() <= datetime.now(UTC) + timedelta(seconds=1)
    fixed = datetime(2030, 1, 1, tzinfo=UTC)
    assert EmulatorApp(clock=lambda: fixed).clock() == fixed


def test_the_catalogue_is_seeded_with_what_is_given_or_the_default() -> None:
    app = EmulatorApp()
    default = lambda: [{"name": "house"}]  # noqa: E731
    seeded = app.catalogue(_Record.from_mapping, lambda r: r.name, None, default)
    assert [r.name for r in seeded.values()] == ["house"]
    given = app.catalogue(_Record.from_mapping, lambda r: r.name, [{"name": "own"}], default)
    assert [r.name for r in given.values()] == ["own"]
    empty = app.catalogue(_Record.from_mapping, lambda r: r.name, [], default)
    assert list(empty.values()) == []
