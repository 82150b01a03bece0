"""Redeem, nullify, list and the PassEntry-only operations, against the emulator over HTTP."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from walletpass import Beacon, Holder, Location, Pass, PassStatus, PassUpdate
from walletpass.errors import (
    AlreadyRedeemed,
    BusinessRuleError,
    InvalidResponse,
    NotFound,
    PassExpired,
    ValidationError,
)
from walletpass.testing.emulator import Fault

# -- redeem (emulated with passAction: deactivate) ---------------------------------------------


def test_redeem_deactivates_and_a_second_redeem_is_refused(wallet, emulator, tpl) -> None:
    issued = wallet.create(Pass(template=tpl["generic"], external_id="tkt-1"))
    redemption = wallet.redeem(issued.id)
    assert redemption.status is PassStatus.REDEEMED
    assert redemption.meta == {"vendor_status": "voided"}
    assert redemption.method == "deactivate"
    assert redemption.redeemed_at is not None
    patch = emulator.journal.find("PATCH")[-1]
    assert patch.json() == {"passAction": "deactivate"}
    assert wallet.get(issued.id).status is PassStatus.VOIDED
    before = len(emulator.journal)
    with pytest.raises(AlreadyRedeemed):
        wallet.redeem(issued.id)
    assert [e.method for e in emulator.journal.entries[before:]] == ["GET"]  # no second PATCH


def test_redeem_by_extid_and_again_after_reactivate(wallet, tpl) -> None:
    issued = wallet.create(Pass(template=tpl["generic"], external_id="tkt-2"))
    wallet.redeem("tkt-2")
    back = wallet.reactivate(issued.id)
    assert back.status is PassStatus.ISSUED
    assert wallet.redeem(issued.id).status is PassStatus.REDEEMED


def test_redeem_an_expired_pass(wallet, tpl) -> None:
    past = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    issued = wallet.create(Pass(template=tpl["generic"], expires_at=past))
    assert wallet.get(issued.id).status is PassStatus.EXPIRED
    with pytest.raises(PassExpired):
        wallet.redeem(issued.id)


def test_redeem_a_nullified_pass(wallet, tpl) -> None:
    issued = wallet.create(Pass(template=tpl["generic"]))
    wallet.delete(issued.id)
    with pytest.raises(NotFound, match="was deleted") as caught:
        wallet.redeem(issued.id)
    # The vendor's word for the state is in details: the text is the one every provider gives.
    assert caught.value.details == {"vendor_status": "nullified"}


def test_redeem_with_a_reader_logs_a_scan(connect, emulator, tpl) -> None:
    wallet = connect(reader_id="till-3")
    issued = wallet.create(Pass(template=tpl["generic"], external_id="tkt-3"))
    redemption = wallet.redeem(issued.id)
    scan = emulator.journal.find("POST", "/api/v1/scans/log")[-1].json()["scan"]
    assert scan == {
        "readerId": "till-3",
        "scanType": "barcode",
        "status": "successful",
        "statusDetail": "",
        "scanValue": issued.id,
        "passId": issued.id,
    }
    assert emulator.scans[-1]["passExtId"] == "tkt-3"
    assert redemption.raw["scan"]["scanInfo"]["validationType"] == "externalValidation"
    other = wallet.create(Pass(template=tpl["generic"]))
    wallet.redeem(other.id, options={"reader_id": "gate-9"})
    assert emulator.scans[-1]["readerId"] == "gate-9"


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"amount": "5.5"}, "amount"),  # loyalty points are whole
        ({"options": {"reader": "x"}}, "options"),
        ({"options": {"reader_id": ""}}, "options.reader_id"),
    ],
)
def test_redeem_input_is_checked_before_sending(wallet, emulator, kwargs, where) -> None:
    with pytest.raises(ValidationError) as caught:
        wallet.redeem("tkt-9", **kwargs)
    assert where in caught.value.fields
    assert len(emulator.journal) == 0


# -- delete = nullify ---------------------------------------------------------------------------


def test_nullify_is_irreversible_idempotent_and_frees_the_extid(wallet, emulator, tpl) -> None:
    issued = wallet.create(
        Pass(template=tpl["generic"], external_id="crm-9", fields={"level": "GOLD"})
    )
    wallet.delete(issued.id)
    wallet.delete(issued.id)
    nullify = emulator.journal.find("POST", f"/api/v1/passes/{issued.id}/nullify")
    assert [e.status for e in nullify] == [200, 200]
    assert all(e.body == b"" for e in nullify)
    tombstone = wallet.get(issued.id)
    assert tombstone.status is PassStatus.DELETED
    assert tombstone.fields == {}
    assert tombstone.meta["nullified_at"]
    # PassEntry documents no answer to a write on a nullified pass (the emulator's 422 is
    # inferred): the provider reads the pass and raises NotFound, as for any deleted pass.
    with pytest.raises(NotFound, match="was deleted") as refused:
        wallet.update(issued.id, PassUpdate(fields={"level": "X"}))
    assert refused.value.details == {"vendor_status": "nullified"}
    with pytest.raises(NotFound):
        wallet.redeem(issued.id)
    again = wallet.create(Pass(template=tpl["generic"], external_id="crm-9"))
    assert again.id != issued.id
    assert wallet.get("crm-9").id == again.id


# -- update ---------------------------------------------------------------------------------


def test_update_message_reports_the_notification(wallet, emulator, tpl) -> None:
    issued = wallet.create(Pass(template=tpl["generic"], holder=Holder(name="Ada")))
    updated = wallet.update(issued.id, PassUpdate(holder=Holder(name="Ada L."), message="Hello"))
    assert updated.holder == Holder(name="Ada L.")
    assert updated.meta["latest_message"] == "Hello"
    assert updated.meta["notification"] == {
        "status": "notDelivered",
        "message": "Pass has not been added to the wallet",
        "header": "notDelivered",
    }
    emulator.install(issued.id)
    delivered = wallet.update(issued.id, PassUpdate(message="Doors open"))
    assert delivered.status is PassStatus.INSTALLED
    assert delivered.meta["notification"]["status"] == "delivered"
    silent = wallet.update(issued.id, PassUpdate(fields={"level": "GOLD"}))
    assert "notification" not in silent.meta


def test_update_partial_and_clearing(wallet, emulator, tpl) -> None:
    issued = wallet.create(
        Pass(
            template=tpl["generic"],
            fields={"level": "SILVER", "stamps": "1"},
            barcode={"message": "B-1"},
            nfc={},
        )
    )
    wallet.update(issued.id, PassUpdate(fields={"level": "GOLD"}, nfc=None, barcode=None))
    fetched = wallet.get(issued.id)
    assert fetched.fields == {"level": "GOLD", "stamps": "1"}
    assert fetched.barcode is None
    assert fetched.meta.get("nfc") is None
    assert emulator.stored(issued.id).nfc is None


# -- PassEntry-only operations ------------------------------------------------------------------


def test_deactivate_and_reactivate(wallet, emulator, tpl) -> None:
    issued = wallet.create(Pass(template=tpl["generic"]))
    emulator.install(issued.id, device="android")
    off = wallet.deactivate(issued.id)
    assert off.status is PassStatus.VOIDED
    assert off.meta["deactivated_at"]
    assert wallet.deactivate(issued.id).status is PassStatus.VOIDED  # idempotent
    on = wallet.reactivate(issued.id)
    assert on.status is PassStatus.INSTALLED
    assert on.meta["device_type"] == "android"
    assert [e.json() for e in emulator.journal.find("PATCH")] == [
        {"passAction": "deactivate"},
        {"passAction": "deactivate"},
        {"passAction": "reactivate"},
    ]


def test_download_pkpass_while_not_active(wallet, emulator, tpl) -> None:
    issued = wallet.create(Pass(template=tpl["generic"], fields={"seat": "12B"}))
    data = wallet.download_pkpass(issued.id)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        pass_json = json.loads(archive.read("pass.json"))
    assert pass_json["serialNumber"] == issued.id
    assert emulator.journal.last().query == {"includePassSource": ["apple"]}
    emulator.install(issued.id)
    with pytest.raises(BusinessRuleError, match="active") as caught:
        wallet.download_pkpass(issued.id)
    assert caught.value.operation == "download_pkpass"


def test_google_save_url_while_not_active(wallet, emulator, tpl) -> None:
    issued = wallet.create(Pass(template=tpl["generic"]))
    url = wallet.google_save_url(issued.id)
    assert url.startswith("https://pay.google.com/")
    assert emulator.journal.last().query == {"includePassSource": ["google"]}
    emulator.install(issued.id, device="android")
    with pytest.raises(BusinessRuleError, match="active"):
        wallet.google_save_url(issued.id)


def test_pass_source_missing_from_a_non_active_pass_is_invalid(wallet, emulator, tpl) -> None:
    issued = wallet.create(Pass(template=tpl["generic"]))
    answer = {"data": {"id": issued.id, "type": "pass", "attributes": {"status": "issued"}}}
    emulator.inject(Fault.respond(200, answer), method="GET")
    with pytest.raises(InvalidResponse, match="passSource"):
        wallet.download_pkpass(issued.id)


def test_replace_locations_and_beacons(wallet, emulator, tpl) -> None:
    issued = wallet.create(
        Pass(template=tpl["generic"], locations=[Location(latitude=1, longitude=1, radius=50)])
    )
    two = [
        Location(latitude=51.5, longitude=-0.1, radius=40, name="A", relevant_text="Near A"),
        Location(latitude=51.6, longitude=-0.2),
    ]
    wallet.replace_locations(issued.id, two)
    assert emulator.journal.last().json() == {
        "locations": [
            {"name": "A", "latitude": 51.5, "longitude": -0.1, "radius": 40, "message": "Near A"},
            {"latitude": 51.6, "longitude": -0.2},
        ]
    }
    assert len(emulator.stored(issued.id).locations) == 2
    wallet.replace_locations(issued.id, [])
    assert emulator.stored(issued.id).locations == []
    beacon = Beacon(proximity_uuid=uuid.uuid4(), major=7, minor=8, relevant_text="Hi")
    wallet.replace_beacons(issued.id, [beacon])
    assert emulator.stored(issued.id).beacons[0]["major"] == 7
    before = len(emulator.journal)
    with pytest.raises(ValidationError, match="10"):
        wallet.replace_beacons(issued.id, [beacon] * 11)
    with pytest.raises(ValidationError):
        wallet.replace_locations("a/b", [])
    assert len(emulator.journal) == before


def test_replace_locations_and_beacons_build_their_body_once(wallet, emulator, tpl) -> None:
    issued = wallet.create(Pass(template=tpl["generic"]))
    built = []
    build_update = wallet.build_update

    def counting(*args):
        built.append(build_update(*args))
        return built[-1]

    vars(wallet)["build_update"] = counting
    wallet.replace_locations(issued.id, [Location(latitude=1, longitude=2)])
    wallet.replace_beacons(issued.id, [])
    assert [request.json for request in built] == [
        {"locations": [{"latitude": 1, "longitude": 2}]},
        {"beacons": []},
    ]
    assert [entry.json() for entry in emulator.journal.entries[-2:]] == [r.json for r in built]


# -- list ---------------------------------------------------------------------------------------


class TestList:
    @pytest.fixture
    def emulator_options(self) -> dict[str, object]:
        return {"page_size": 2}

    def test_list_follows_links_next(self, wallet, emulator, tpl) -> None:
        made = [
            wallet.create(Pass(template=tpl["generic"], fields={"k0": str(i)})) for i in range(5)
        ]
        listed = list(wallet.list())
        assert [p.id for p in listed] == [p.id for p in made]
        gets = emulator.journal.find("GET", "/api/v1/passes")
        assert [e.query for e in gets] == [{}, {"page": ["2"]}, {"page": ["3"]}]

    def test_list_filters_client_side(self, wallet, emulator, tpl) -> None:
        a = wallet.create(Pass(template=tpl["generic"]))
        b = wallet.create(Pass(template=tpl["storeCard"]))
        wallet.create(Pass(template=tpl["storeCard"]))
        wallet.delete(b.id)
        assert [p.id for p in wallet.list(template=tpl["generic"])] == [a.id]
        assert [p.id for p in wallet.list(status="deleted")] == [b.id]
        with pytest.raises(ValidationError, match="page_size"):
            wallet.list(page_size=10)

    def test_next_link_to_another_host_is_refused(self, wallet, emulator) -> None:
        page = {"data": [], "links": {"next": "https://elsewhere.example.com/api/v1/passes?p=2"}}
        emulator.inject(Fault.respond(200, page), method="GET")
        with pytest.raises(InvalidResponse, match="another host"):
            list(wallet.list())

    def test_a_next_link_loop_is_stopped(self, wallet, emulator, server) -> None:
        page = {"data": [], "links": {"next": f"{server.url}/api/v1/passes?page=7"}}
        emulator.inject(Fault.respond(200, page), method="GET", times=5)
        with pytest.raises(InvalidResponse, match="repeats"):
            list(wallet.list())
        assert len(emulator.journal) == 2  # the first page, then page 7 pointing at itself
