"""The emulators' dashboard store: seeded objects by id, added as a designer would."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from walletpass_pass2u.emulator import Pass2UEmulator
from walletpass_passentry.emulator import PassEntryEmulator

from walletpass.testing.dashboard import Dashboard


@dataclass(frozen=True)
class _Design:
    id: str
    name: str

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> _Design:
        return cls(id=str(data["id"]), name=str(data.get("name", "")))


def test_a_dashboard_holds_objects_and_mapping_forms_by_id_and_a_new_design_replaces() -> None:
    board = Dashboard(
        _Design.read, lambda d: d.id, threading.RLock(), [{"id": 1}, _Design("b", "B")]
    )
    assert list(board) == ["1", "b"]
    assert board["1"] == _Design("1", "")
    assert board.add({"id": "b", "name": "again"}) == _Design("b", "again")
    assert dict(board) == {"1": _Design("1", ""), "b": _Design("b", "again")}
    with pytest.raises(KeyError):
        board.add({"name": "no id"})
    assert len(board) == 2
    with pytest.raises(TypeError):
        board["c"] = _Design("c", "")  # type: ignore[index]  # read-only: add() designs


def test_emulators_seed_and_add_through_their_dashboard() -> None:
    pass2u = Pass2UEmulator(models=[{"id": "7", "style": "coupon"}])
    assert set(pass2u.models) == {"7"}
    pass2u.add_model({"id": "8", "style": "generic"})
    assert set(pass2u.models) == {"7", "8"}
    passentry = PassEntryEmulator(templates=[])
    added = passentry.add_template({"uuid": "t-1", "passType": "generic"})
    assert passentry.templates["t-1"] is added
