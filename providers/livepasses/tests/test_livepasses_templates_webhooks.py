"""Templates (paged listing, detail, create, update, activate, deactivate) and webhooks (create with
the secret, list, delete; event names checked against the documented set)."""

from __future__ import annotations

from typing import Any

import pytest
from walletpass_livepasses.limits import TemplateStatus

from walletpass.errors import NotFound, ValidationError


def test_templates_are_listed_lazily_page_by_page(wallet, emulator) -> None:
    for i in range(23):
        wallet.create_template(f"Show {i:02}", {"event": {"eventName": f"Show {i}"}})
    emulator.journal.clear()
    listing = wallet.list_templates(type="EventTicket", sort_by="name", page_size=10)
    assert len(emulator.journal) == 0
    names = [t.name for t in listing]
    assert names == ["Aurora Music Fest", *(f"Show {i:02}" for i in range(23))]
    assert [e.query.get("page") for e in emulator.journal.entries] == [None, ["2"], ["3"]]
    assert emulator.journal.entries[0].query == {
        "pageSize": ["10"],
        "sortBy": ["name"],
        "type": ["EventTicket"],
    }
    coupons = list(wallet.list_templates(search="summer", descending=True))
    assert [t.id for t in coupons] == ["tmpl-coupon"]
    for bad in ({"page_size": 0}, {"descending": "yes"}, {"status": 1}):
        with pytest.raises(ValidationError):
            wallet.list_templates(**bad)


def test_template_detail_create_update_and_state(wallet, emulator) -> None:
    detail = wallet.get_template("tmpl-loyalty")
    assert (detail.type, detail.status, detail.business_features) == (
        "Loyalty",
        "Active",
        {"loyalty": {"programName": "Coffee Club"}},
    )
    assert detail.platform_support == {"apple": True, "google": True}
    created = wallet.create_template(
        "VIP Event Pass",
        {
            "event": {
                "eventName": "Aurora",
                "eventDate": "2030-06-15T20:00:00Z",
                "showSeatNumbers": True,
            }
        },
        description="Premium",
        required_media=["logo", "strip"],
    )
    assert (created.type, created.status, created.pass_count) == ("EventTicket", "Active", 0)
    assert created.media_configuration == {"requiredMedia": ["logo", "strip"]}
    updated = wallet.update_template(created.id, name="VIP v2", description="Updated")
    assert (updated.name, updated.description) == ("VIP v2", "Updated")
    wallet.deactivate_template(created.id)
    assert wallet.get_template(created.id).status == "Inactive"
    wallet.activate_template(created.id)
    assert emulator.templates[created.id].status is TemplateStatus.ACTIVE
    legacy = wallet.create_template("Legacy", {"passType": "coupon", "hasSeating": False})
    assert legacy.type == "Coupon"  # 0.1.0's shape is still read by the emulator


def test_template_input_is_checked_before_sending(wallet, emulator) -> None:
    before = len(emulator.journal)
    with pytest.raises(ValidationError) as caught:
        wallet.create_template("Nameless", {"colour": "red"})
    assert "business_features" in caught.value.fields
    with pytest.raises(ValidationError):
        wallet.create_template("", {"event": {}})
    with pytest.raises(ValidationError):
        wallet.update_template("tmpl-001")
    with pytest.raises(ValidationError):
        wallet.get_template("tmpl/001")
    assert len(emulator.journal) == before
    with pytest.raises(NotFound) as missing:
        wallet.get_template("tmpl-missing")
    assert missing.value.code == "TEMPLATE_NOT_FOUND"


def test_webhooks_create_list_delete(wallet, emulator) -> None:
    hook = wallet.create_webhook(
        "https://your-app.com/webhooks/livepasses", ["pass.generated", "pass.redeemed", "*"]
    )
    assert hook.is_active and hook.events == ("pass.generated", "pass.redeemed", "*")
    assert hook.secret is not None
    secret = hook.secret.get_secret_value()
    assert secret.startswith("whsec_") and secret == emulator.webhooks[hook.id]["secret"]
    assert secret not in repr(hook) and secret not in str(hook)
    listed = wallet.list_webhooks()
    assert [w.id for w in listed] == [hook.id] and listed[0].secret is None
    wallet.delete_webhook(hook.id)
    assert wallet.list_webhooks() == []
    with pytest.raises(NotFound):
        wallet.delete_webhook(hook.id)


@pytest.mark.parametrize(
    ("url", "events", "where", "hint"),
    [
        ("https://x.example/h", ["batch.completed"], "events.0", "0.1.0"),
        ("https://x.example/h", ["pass.redeemed", "pass.checked_in"], "events.1", "0.1.0"),
        ("https://x.example/h", ["pass.exploded"], "events.0", "known"),
        ("https://x.example/h", [], "events", "non-empty"),
        ("https://x.example/h", "pass.redeemed", "events", "list"),
        ("ftp://x.example/h", ["*"], "url", "http"),
        ("/relative", ["*"], "url", "http"),
        ("http://x.example/h", ["*"], "url", "https://"),
    ],
)
def test_webhook_input_is_checked_against_the_documented_events(
    wallet, emulator, url, events, where, hint
) -> None:
    with pytest.raises(ValidationError) as caught:
        wallet.create_webhook(url, events)
    assert where in caught.value.fields and hint in " ".join(caught.value.fields[where])
    assert len(emulator.journal) == 0


def test_the_emulator_refuses_unknown_events_too(wallet, emulator) -> None:
    request = wallet.build_create_webhook("https://x.example/h", ["pass.redeemed"])
    tampered = type(request)(
        request.method,
        request.path,
        request.safety,
        json={"url": "https://x.example/h", "events": ["batch.failed"]},
    )
    with pytest.raises(ValidationError) as caught:
        wallet.run(wallet._plan_fetch(tampered, "create_webhook", lambda data: data))
    assert caught.value.fields == {"events[0]": ["'batch.failed' is not a supported event"]}


def test_the_emulator_records_the_events_it_would_deliver(wallet, emulator) -> None:
    from walletpass import Holder, Pass

    issued = wallet.create(Pass(template="tmpl-001", holder=Holder(name="Ada Lovelace")))
    wallet.redeem(issued.id)
    assert [e["event"] for e in emulator.events if e["passId"] == issued.id] == [
        "pass.generated",
        "pass.redeemed",
    ]
    emulator.cancel(issued.id)
    assert emulator.events[-1]["event"] == "pass.cancelled"
    assert wallet.get(issued.id).status.value == "voided"


def _before_the_put(entries: list[Any]) -> list[tuple[str, str]]:
    sent = [(e.method, e.path.split("?")[0]) for e in entries]
    return sent[: [method for method, _ in sent].index("PUT")]


def test_an_update_renaming_alias_fields_reads_the_template_back_first(connect, emulator) -> None:
    """Livepasses ids do not name their template: an update whose fields a template alias
    renames costs one lookup first (docs/concepts.md says so), unless
    the provider created or read that pass before (a pass never changes template)."""
    from walletpass import Holder, Pass

    aliases = {"gala": {"id": "tmpl-001", "fields": {"seat": "seatNumber"}}}
    wallet = connect(templates=aliases)
    issued = wallet.create(
        Pass(template="gala", holder=Holder(name="Ada Lovelace"), fields={"seat": "1A"})
    )
    before = len(emulator.journal.entries)
    wallet.update(issued.id, {"fields": {"seat": "2B"}})
    assert _before_the_put(emulator.journal.entries[before:]) == []
    stranger = connect(templates=aliases)
    before = len(emulator.journal.entries)
    stranger.update(issued.id, {"fields": {"seat": "2C"}})
    assert _before_the_put(emulator.journal.entries[before:]) == [("GET", "/api/passes/lookup")]
    assert emulator.stored(issued.id).business_data["seatNumber"] == "2C"
    plain = connect()  # no alias could change an update: nothing is read back first
    before = len(emulator.journal.entries)
    plain.update(issued.id, {"fields": {"seatNumber": "3C"}})
    assert _before_the_put(emulator.journal.entries[before:]) == []
