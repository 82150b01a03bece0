"""A template alias changed after ``connect()`` is followed by the next call (issue 18's kept
template mappings, breaker finding F1).

``ProviderSettings.templates`` and an alias's ``attributes`` are dicts: an application may put
another alias under a name, add one for a template it used by its vendor id, take one away, or
change where an alias keeps an attribute. Before a provider kept each template's mapping, every
call read them afresh; a kept mapping must not answer for an alias that is no longer there.
"""

from __future__ import annotations

from typing import Any

import pytest

import walletpass
from walletpass import Pass, PassUpdate
from walletpass.settings import AliasField, TemplateAlias

#: The fake itself, and the fake wearing a vendor's profile (its declarations and defaults).
TARGETS = pytest.mark.parametrize("profile", [None, "passentry"])


def _connect(profile: str | None, templates: dict[str, Any]) -> Any:
    extra = {"profile": profile} if profile else {}
    return walletpass.connect("fake", templates=templates, **extra)


@TARGETS
def test_an_alias_put_under_a_name_is_used_by_the_next_create(profile: str | None) -> None:
    wallet = _connect(profile, {"vip": {"id": "one", "fields": {"seat": "seatNo"}}})
    first = wallet.create(Pass(template="vip", fields={"seat": "1A"}))
    assert first.vendor_template == "one"

    wallet.settings.templates["vip"] = TemplateAlias(id="two", fields={"seat": "chair"})
    second = wallet.create(Pass(template="vip", fields={"seat": "1A"}))

    assert second.vendor_template == "two"
    assert second.raw["fields"] == {"chair": "1A"}
    assert second.fields == {"seat": "1A"}


@TARGETS
def test_an_alias_added_or_taken_away_is_followed(profile: str | None) -> None:
    wallet = _connect(profile, {})
    plain = wallet.create(Pass(template="gold", fields={"seat": "1A"}))
    assert plain.template == "gold"
    assert plain.raw["fields"] == {"seat": "1A"}

    wallet.settings.templates["gold"] = TemplateAlias(id="tpl-gold", fields={"seat": "chair"})
    aliased = wallet.create(Pass(template="gold", fields={"seat": "1A"}))
    assert aliased.vendor_template == "tpl-gold"
    assert aliased.raw["fields"] == {"chair": "1A"}

    del wallet.settings.templates["gold"]
    again = wallet.create(Pass(template="gold", fields={"seat": "1A"}))
    assert again.vendor_template == "gold"
    assert again.raw["fields"] == {"seat": "1A"}


@TARGETS
def test_an_attribute_home_changed_in_place_is_followed(profile: str | None) -> None:
    wallet = _connect(profile, {"vip": {"id": "one", "attributes": {"holder.name": "name"}}})
    first = wallet.create(Pass(template="vip", holder={"name": "Ada"}))
    assert first.raw["fields"] == {"name": "Ada"}

    alias = wallet.settings.templates["vip"]
    alias.attributes["holder.name"] = "fullName"
    second = wallet.create(Pass(template="vip", holder={"name": "Ada"}))
    assert second.raw["fields"] == {"fullName": "Ada"}
    assert second.holder is not None and second.holder.name == "Ada"

    # ...and an update's change goes where the alias says now.
    alias.attributes["holder.name"] = "name"
    updated = wallet.update(second.id, PassUpdate(holder={"name": "Grace"}))
    assert updated.raw["fields"]["name"] == "Grace"


def test_a_field_renamed_by_a_new_alias_is_followed_on_the_way_back() -> None:
    wallet = _connect(None, {"vip": {"id": "one", "fields": {"seat": "seatNo"}}})
    issued = wallet.create(Pass(template="vip", fields={"seat": "1A"}))
    assert wallet.get(issued.id).fields == {"seat": "1A"}

    wallet.settings.templates["vip"] = TemplateAlias(id="one", fields={"place": "seatNo"})

    assert wallet.get(issued.id).fields == {"place": "1A"}


@TARGETS
def test_a_field_renamed_or_retyped_in_place_is_followed_both_ways(profile: str | None) -> None:
    wallet = _connect(
        profile,
        {"vip": {"id": "one", "fields": {"seat": "seatNo", "count": {"key": "n", "type": "int"}}}},
    )
    first = wallet.create(Pass(template="vip", fields={"seat": "1A", "count": 3}))
    assert first.fields == {"seat": "1A", "count": 3}

    fields = wallet.settings.templates["vip"].fields
    fields["place"] = fields.pop("seat")
    fields["count"] = AliasField(key="n", type="text")
    # Written under the alias as it is now, and read back under it: the pass just created is
    # no "answer of the wrong type" (it was, with the reading facts of the old alias kept).
    second = wallet.create(Pass(template="vip", fields={"place": "2B", "count": "many"}))
    assert second.raw["fields"] == {"seatNo": "2B", "n": "many"}
    assert second.fields == {"place": "2B", "count": "many"}
    if wallet.capabilities.supports("get"):
        assert wallet.get(first.id).fields == {"place": "1A", "count": "3"}
        assert wallet.get(second.id).fields == {"place": "2B", "count": "many"}
