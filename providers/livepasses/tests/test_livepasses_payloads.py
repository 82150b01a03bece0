"""Translation tests: the pure build/parse hooks, exact requests, and hypothesis round trips.

The round trip goes neutral Pass -> Livepasses recipient JSON (build hook) -> the emulator's
generation of that recipient (in process, no HTTP) -> IssuedPass (parse), so hypothesis can run
many examples quickly.
"""

from __future__ import annotations

import json
import string
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from walletpass_livepasses import LivepassesProvider, limits, payloads
from walletpass_livepasses.emulator import LivepassesEmulator
from walletpass_livepasses.limits import BUSINESS_DATA, Value

from walletpass import Balance, Event, Holder, Pass, PassField, PassKind, PassUpdate
from walletpass.errors import ValidationError
from walletpass.model import PassStatus
from walletpass.provider import ListFilters
from walletpass.retry import Safety
from walletpass.testing.rules import vendor_problems
from walletpass.timestamps import parse_timestamp
from walletpass.transport import VendorResponse


def _response(payload: object, status: int = 200, path: str = "/api/passes/generate"):
    return VendorResponse(
        status=status, headers={}, body=json.dumps(payload).encode(), method="POST", path=path
    )


# ------------------------------------------------------------------------------------------
# Requests, exactly
# ------------------------------------------------------------------------------------------


def test_create_request_is_exact(offline: LivepassesProvider) -> None:
    new_pass = Pass(
        template="tmpl-001",
        kind=PassKind.EVENT_TICKET,
        external_id="HL-4410",
        holder=Holder(
            name="Mara Okafor", email="mara@example.org", phone="+44 20 7946 0018", language="en"
        ),
        fields={
            "sectionInfo": "Balcony",
            "seatNumber": 7,
            "price": Decimal("85.50"),
            "currency": "GBP",
            "table_no": 12,
            "doors": datetime(2027, 3, 12, 19, 30, tzinfo=timezone(timedelta(hours=1))),
        },
        event=Event(title="Gala 2027", starts_at=datetime(2027, 3, 12, 20, tzinfo=UTC)),
        extra={
            "personalizations": {"dietaryRestrictions": "vegetarian"},
            "businessContext": {"event": {"doorsOpen": "19:00"}},
            "options": {"deliveryMethod": "email"},
        },
    )
    request = offline.build_create(new_pass)
    assert (request.method, request.path, request.safety) == (
        "POST",
        "/api/passes/generate",
        Safety.RECOVERABLE,
    )
    assert request.path_template == "/api/passes/generate"
    assert request.json == {
        "templateId": "tmpl-001",
        "passes": [
            {
                "customer": {
                    "firstName": "Mara",
                    "lastName": "Okafor",
                    "email": "mara@example.org",
                    "phone": "+44 20 7946 0018",
                    "preferredLanguage": "en",
                },
                "businessData": {
                    "sectionInfo": "Balcony",
                    "seatNumber": "7",
                    "price": 85.5,
                    "currency": "GBP",
                    "confirmationCode": "HL-4410",
                },
                "personalizations": {
                    "customFields": {"table_no": "12", "doors": "2027-03-12T18:30:00Z"},
                    "dietaryRestrictions": "vegetarian",
                },
            }
        ],
        "businessContext": {
            "event": {
                "eventName": "Gala 2027",
                "eventDate": "2027-03-12T20:00:00Z",
                "doorsOpen": "19:00",
            }
        },
        "options": {"deliveryMethod": "email"},
    }
    assert offline.auth_headers() == {"X-API-Key": "lp_live_secret_key_123"}


def test_loyalty_pass_carries_tier_and_points(offline: LivepassesProvider) -> None:
    request = offline.build_create(
        Pass(
            template="tmpl-loyalty",
            kind=PassKind.LOYALTY,
            holder=Holder(first_name="Priya", last_name="Shah"),
            tier="Gold",
            balance=Balance(amount=Decimal(500)),
            fields={"membershipNumber": "MEM-12345", "lifetimePoints": 900},
        )
    )
    assert request.safety is Safety.UNSAFE
    assert request.json["passes"][0] == {
        "customer": {"firstName": "Priya", "lastName": "Shah"},
        "businessData": {
            "membershipNumber": "MEM-12345",
            "lifetimePoints": 900,
            "memberTier": "Gold",
            "currentPoints": 500,
        },
    }
    money = payloads.recipient(
        Pass(
            template="tmpl-giftcard",
            holder=Holder(name="Ada Lovelace"),
            balance=Balance(amount=Decimal("25.00"), currency="EUR"),
        )
    )
    assert money["businessData"] == {"accountBalance": 25, "currency": "EUR"}


def test_update_request_is_exact(offline: LivepassesProvider) -> None:
    change = PassUpdate(
        fields={"memberTier": "Platinum", "validUntil": date(2026, 12, 31), "points": 1250},
        message="Congratulations on reaching Platinum!",
        notify=False,
        extra={"reason": "Tier review", "messageHeader": "Good news"},
    )
    request = offline.build_update("p-0193", change)
    assert (request.method, request.path, request.path_template, request.safety) == (
        "PUT",
        "/api/passes/p-0193",
        "/api/passes/{passId}",
        Safety.UNSAFE,
    )
    assert request.json == {
        "updatedFields": {"memberTier": "Platinum", "validUntil": "2026-12-31", "points": 1250},
        "reason": "Tier review",
        "messageHeader": "Good news",
        "messageBody": "Congratulations on reaching Platinum!",
        "notify": False,
    }
    silent = offline.build_update("p-0193", PassUpdate(tier="Gold", balance=Balance(amount=5)))
    assert silent.safety is Safety.IDEMPOTENT
    # No message: notify false is sent, so a repeat of the PUT cannot show a banner again.
    assert silent.json == {"updatedFields": {"memberTier": "Gold", "points": 5}, "notify": False}
    # Told to notify without a message: a repeat may show a banner again (UNKNOWN), so it is
    # sent once; with a message, the same.
    told = offline.build_update("p-0193", PassUpdate(tier="Gold", notify=True))
    assert (told.json["notify"], told.safety) == (True, Safety.UNSAFE)
    quiet_message = offline.build_update("p-0193", PassUpdate(message="Hi", notify=False))
    assert quiet_message.safety is Safety.UNSAFE


def test_get_list_and_redeem_requests(offline: LivepassesProvider) -> None:
    lookup = offline.build_get("p-0193")
    assert (lookup.method, lookup.path, lookup.query, lookup.has_json) == (
        "GET",
        "/api/passes/lookup",
        {"passId": "p-0193"},
        False,
    )
    validate = offline.build_validate("p-0193")
    assert (validate.path, validate.path_template) == (
        "/api/passes/p-0193/validate",
        "/api/passes/{passId}/validate",
    )
    listing = offline.build_list(
        ListFilters(
            template="tmpl-001",
            status=PassStatus.REDEEMED,
            page_size=50,
            extra={"search_term": "mara", "sort_descending": True},
        ),
        page=3,
    )
    # Typed values: the transport spells them on the wire (sortDescending=true), one rule for
    # every vendor (tests/test_query_values.py).
    assert listing.query == {
        "page": 3,
        "pageSize": 50,
        "searchTerm": "mara",
        "sortDescending": True,
        "templateId": "tmpl-001",
        "status": "Redeemed",
    }
    gift = offline.build_redeem(
        "p-1", Decimal("12.5"), {"endpoint": "giftcard/redeem", "reason": "Lunch"}
    )
    assert (gift.path, gift.json, gift.safety) == (
        "/api/passes/p-1/giftcard/redeem",
        {"amount": 12.5, "reason": "Lunch"},
        Safety.UNSAFE,
    )
    spend = offline.build_redeem("p-1", Decimal(30), {"endpoint": "loyalty/transact"})
    assert spend.json == {"transactionType": "spend", "points": 30}
    stamp = offline.build_redeem("p-1", None, {"endpoint": "stamp"})
    assert (stamp.path, stamp.json) == ("/api/passes/p-1/stamp", {})
    check_in = offline.build_redeem(
        "p-1",
        None,
        {"endpoint": "check-in", "gate": "North", "accepted_types": "EventTicket, Coupon"},
    )
    assert check_in.json == {"gate": "North", "acceptedTypes": ["EventTicket", "Coupon"]}


def test_ids_are_quoted_into_paths_and_refused_when_they_cannot_be(offline) -> None:
    assert offline.build_validate("p:1@x").path == "/api/passes/p%3A1%40x/validate"
    for bad in ("a/b", "has space", "", "x" * 201, "p?x"):
        with pytest.raises(ValidationError):
            offline.decode_id(bad)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (PassUpdate(holder=Holder(name="New Name")), "holder"),
        (PassUpdate(event=Event(title="Other")), "event"),
        (PassUpdate(fields={"a": "b"}, extra={"notes": "x"}), "extra.notes"),
        (PassUpdate(fields={"a": "b"}, extra={"reason": "r" * 501}), "extra.reason"),
        (PassUpdate(fields={"a": "b"}, extra={"messageHeader": "h" * 81}), "extra.messageHeader"),
        (PassUpdate(notify=False), "change"),
        (PassUpdate(extra={"reason": "only a reason"}), "change"),
        (PassUpdate(fields={"memberTier": "Gold"}, tier="Gold"), "fields.memberTier"),
        (PassUpdate(balance=Balance(amount=Decimal("1.5"))), "balance.amount"),
    ],
)
def test_update_problems(offline: LivepassesProvider, change: PassUpdate, where: str) -> None:
    with pytest.raises(ValidationError) as caught:
        offline.update("p-0193", change)
    assert where in caught.value.fields, caught.value.fields


@pytest.mark.parametrize(
    ("new_pass", "where"),
    [
        (Pass(template="tmpl-001"), "holder"),
        (Pass(template="tmpl-001", holder=Holder(name="Cher")), "holder"),
        (Pass(template="tmpl/001", holder=Holder(name="Ada Lovelace")), "template"),
        (
            Pass(template="t", holder=Holder(name="Ada Lovelace"), fields={"price": "cheap"}),
            "fields.price",
        ),
        (
            Pass(template="t", holder=Holder(name="Ada Lovelace"), fields={"currentPoints": 1.5}),
            "fields.currentPoints",
        ),
        (
            Pass(template="t", holder=Holder(name="Ada Lovelace"), fields={"vip": True}),
            "fields.vip",
        ),
        (
            Pass(
                template="t",
                holder=Holder(name="Ada Lovelace"),
                external_id="A",
                fields={"confirmationCode": "B"},
            ),
            "fields.confirmationCode",
        ),
        (
            Pass(template="t", holder=Holder(name="Ada Lovelace"), extra={"notes": "x"}),
            "extra.notes",
        ),
        (
            Pass(
                template="t",
                holder=Holder(name="Ada Lovelace"),
                extra={"businessData": {"seat": "1"}},
            ),
            "extra.businessData.seat",
        ),
        (
            Pass(
                template="t",
                holder=Holder(name="Ada Lovelace"),
                extra={"options": {"deliveryMethod": "pigeon"}},
            ),
            "extra.options.deliveryMethod",
        ),
        (
            Pass(
                template="t",
                kind="loyalty",
                holder=Holder(name="Ada Lovelace"),
                balance=Balance(amount=2.5),
            ),
            "balance.amount",
        ),
        (  # neither a currency nor a kind says points or money
            Pass(template="t", holder=Holder(name="Ada Lovelace"), balance=Balance(amount=2)),
            "balance",
        ),
    ],
)
def test_pass_problems_refused_before_sending(offline, new_pass: Pass, where: str) -> None:
    with pytest.raises(ValidationError) as caught:
        offline.create(new_pass)
    assert where in caught.value.fields, caught.value.fields


# ------------------------------------------------------------------------------------------
# Answers
# ------------------------------------------------------------------------------------------

GENERATED = {
    "batchId": "b-7781",
    "templateId": "tpl_evt_42",
    "generatedAt": "2027-01-05T10:00:00Z",
    "totalPasses": 1,
    "isAsyncProcessing": False,
    "passes": [
        {
            "id": "p-0193",
            "customerEmail": "mara@example.org",
            "confirmationCode": "HL-4410",
            "status": "Active",
            "qrCode": "LP1:p-0193:HL-4410",
            "platforms": {
                "apple": {
                    "available": True,
                    "addToWalletUrl": "https://a.example/add",
                    "passUrl": "https://a.example/p.pkpass",
                    "features": [],
                },
                "google": {
                    "available": True,
                    "addToWalletUrl": "https://g.example/save",
                    "jwtToken": "eyJ",
                    "features": [],
                },
            },
            "businessData": {"sectionInfo": "Balcony", "rowInfo": "C", "seatNumber": "7"},
            "analytics": {"trackingId": "t-55", "engagementUrl": "https://e.example"},
        }
    ],
}


def test_parse_create_reads_the_documented_answer(offline: LivepassesProvider) -> None:
    new_pass = Pass(
        template="tpl_evt_42",
        kind=PassKind.EVENT_TICKET,
        holder=Holder(name="Mara Okafor", email="mara@example.org"),
    )
    issued = offline.parse_create(
        _response({"success": True, "data": GENERATED, "meta": {}}), new_pass
    )
    assert (issued.id, issued.vendor_id, issued.template, issued.external_id) == (
        "p-0193",
        "p-0193",
        "tpl_evt_42",
        "HL-4410",
    )
    assert issued.status is PassStatus.ISSUED
    assert (issued.urls.apple, issued.urls.google, issued.urls.download) == (
        "https://a.example/add",
        "https://g.example/save",
        "https://a.example/p.pkpass",
    )
    assert issued.fields == {"sectionInfo": "Balcony", "rowInfo": "C", "seatNumber": "7"}
    assert issued.barcode is not None and issued.barcode.message == "LP1:p-0193:HL-4410"
    assert issued.created_at == datetime(2027, 1, 5, 10, tzinfo=UTC)
    assert issued.meta["batch_id"] == "b-7781" and issued.meta["tracking_id"] == "t-55"


def test_a_failed_recipient_raises_with_its_code(offline: LivepassesProvider) -> None:
    failed = dict(GENERATED)
    failed["passes"] = [
        {
            "id": None,
            "customerEmail": "mara@example.org",
            "status": "failed",
            "errorCode": "MEMBERSHIP_NUMBER_CONFLICT",
            "errorMessage": "Membership number MEM-1 is already in use.",
        }
    ]
    from walletpass.errors import Conflict

    with pytest.raises(Conflict) as caught:
        offline.parse_create(
            _response({"success": True, "data": failed}),
            Pass(template="t", holder=Holder(name="Mara Okafor", email="mara@example.org")),
        )
    assert caught.value.code == "MEMBERSHIP_NUMBER_CONFLICT"
    assert "already in use" in str(caught.value)


def test_lookup_list_and_redemption_answers() -> None:
    looked = payloads.issued_from_lookup(
        {
            "passId": "p-0193",
            "templateId": "tpl_evt_42",
            "status": "Redeemed",
            "isValid": False,
            "holderName": "Mara Okafor",
            "holderEmail": "mara@example.org",
            "confirmationCode": "HL-4410",
            "createdAt": "2027-01-05T10:00:00Z",
        },
        provider="livepasses",
    )
    assert looked.status is PassStatus.REDEEMED
    assert looked.holder == Holder(name="Mara Okafor", email="mara@example.org")
    item = payloads.issued_from_list_item(
        {
            "id": "p-0193",
            "templateId": "tpl_evt_42",
            "templateName": "Gala 2027",
            "status": "Cancelled",
            "holderName": "Mara Okafor",
            "holderEmail": "not an email",
            "passType": "EventTicket",
            "createdAt": "2027-01-05T10:00:00Z",
            "updatedAt": None,
        },
        provider="livepasses",
    )
    assert (item.status, item.kind, item.meta["template_name"]) == (
        PassStatus.VOIDED,
        PassKind.EVENT_TICKET,
        "Gala 2027",
    )
    assert item.holder is None  # an email the neutral model refuses stays in raw only
    result = payloads.redemption_from(
        {
            "passId": "p-0193",
            "newStatus": "Active",
            "redeemedAt": "2027-03-12T19:41:07Z",
            "alreadyRedeemed": False,
            "pointsEarned": 100,
            "newBalance": 600,
            "transactionType": "earn",
        },
        pass_id="p-0193",
        provider="livepasses",
        method="loyalty/transact",
    )
    assert (result.status, result.amount, result.remaining) == (
        PassStatus.ACTIVE,
        Decimal(100),
        Decimal(600),
    )
    assert payloads.status_of("Processing") is PassStatus.UNKNOWN
    assert parse_timestamp("2026-12-31") == datetime(2026, 12, 31, tzinfo=UTC)
    with pytest.raises(ValueError, match="not an ISO 8601 timestamp"):
        parse_timestamp("soon")


# ------------------------------------------------------------------------------------------
# Round trips (hypothesis)
# ------------------------------------------------------------------------------------------

_name = st.text(alphabet=string.ascii_letters + "éøñ'-", min_size=1, max_size=20).filter(
    lambda s: s.strip() == s and s not in ("-", "'")
)
_text = st.text(alphabet=string.ascii_letters + string.digits + " -#/", min_size=1, max_size=30)
_key = st.text(alphabet=string.ascii_letters + "_", min_size=1, max_size=12).filter(
    lambda k: k not in BUSINESS_DATA.members
)


def _business_value(spec: Value) -> st.SearchStrategy[Any]:
    if spec is Value.INTEGER:
        return st.integers(min_value=0, max_value=10**9)
    if spec is Value.NUMBER:
        return st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False)
    return _text


_passes = st.builds(
    lambda first, last, email, business, custom, external, title: Pass(
        template="tmpl-001",
        kind=PassKind.EVENT_TICKET,
        holder=Holder(first_name=first, last_name=last, email=email),
        fields={**business, **custom} or None,
        external_id=external,
        event=Event(title=title) if title else None,
    ),
    _name,
    _name,
    st.none() | st.emails().filter(lambda e: len(e) < 60 and "." in e.split("@")[-1]),
    st.dictionaries(
        st.sampled_from(sorted(k for k in BUSINESS_DATA.members if k != "confirmationCode")),
        st.just(None),
        max_size=6,
    ).flatmap(
        lambda keys: st.fixed_dictionaries(
            {k: _business_value(BUSINESS_DATA.members[k]) for k in keys}  # type: ignore[arg-type]
        )
    ),
    st.dictionaries(_key, _text, max_size=3),
    st.none()
    | st.text(alphabet=string.ascii_uppercase + string.digits + "-", min_size=1, max_size=16),
    st.none() | _text,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(new_pass=_passes)
def test_round_trip_through_the_emulators_generation(new_pass: Pass) -> None:
    assert vendor_problems(LivepassesProvider(), new_pass) == []
    context, options = payloads.request_context(new_pass)
    body = payloads.generate_body(
        new_pass.template, [payloads.recipient(new_pass)], context, options
    )
    assert limits.shape_problems(body, limits.GENERATE) == []
    emulator = LivepassesEmulator()
    template = emulator.templates["tmpl-001"]
    entry = emulator.generation.generate_one(template, body["passes"][0], context or {})
    issued = payloads.issued_from_generated(
        entry,
        provider="livepasses",
        template=new_pass.template,
        kind=new_pass.kind,
        holder=new_pass.holder,
    )
    for key, value in (new_pass.fields or {}).items():
        spec = BUSINESS_DATA.members.get(key)
        if spec is None:
            stored = emulator.passes[issued.id].personalizations["customFields"][key]
            assert stored == value
        elif spec is Value.NUMBER:
            assert Decimal(str(issued.fields[key])) == value
        else:
            assert issued.fields[key] == value
    if new_pass.external_id is not None:
        assert issued.external_id == new_pass.external_id
    stored = emulator.passes[issued.id]
    assert (stored.customer["firstName"], stored.customer["lastName"]) == (
        new_pass.holder.first_name,
        new_pass.holder.last_name,
    )
    if new_pass.event is not None:
        assert stored.context["event"]["eventName"] == new_pass.event.title


@settings(max_examples=100, deadline=None)
@given(
    fields=st.dictionaries(
        # updatedFields names are camelCase (the documented form; issue 16)
        st.from_regex(r"[a-z][A-Za-z0-9]{0,9}", fullmatch=True).filter(
            lambda k: k not in BUSINESS_DATA.members
        ),
        st.one_of(_text, st.integers(-1000, 1000), st.booleans(), st.dates()),
        min_size=1,
        max_size=5,
    ),
    message=st.none() | _text,
)
def test_update_round_trip_sends_caller_keys_verbatim(fields: dict[str, Any], message) -> None:
    change = PassUpdate(fields=fields, message=message)
    assert vendor_problems(LivepassesProvider(), change) == []
    body = payloads.update_body(change)
    assert limits.shape_problems(body, limits.UPDATE_PASS) == []
    assert set(body["updatedFields"]) == set(fields)
    for key, value in fields.items():
        expected = value.isoformat() if isinstance(value, date) else value
        assert body["updatedFields"][key] == expected
    assert body.get("messageBody") == message


@settings(max_examples=100, deadline=None)
@given(key=st.text(min_size=1, max_size=12).filter(lambda k: k not in payloads.OPTION_NAMES))
def test_unknown_redeem_options_are_refused_before_sending(key: str) -> None:
    wallet = LivepassesProvider(api_key="k", base_url="http://127.0.0.1:9")
    with pytest.raises(ValidationError) as caught:
        wallet.redeem("p-1", options={"endpoint": "redeem", key: "x"})
    assert f"options.{key}" in caught.value.fields
    wallet.close()


@settings(max_examples=60, deadline=None)
@given(
    key=st.text(alphabet=string.ascii_letters, min_size=1, max_size=12).filter(
        lambda k: k not in limits.RECIPIENT_KEYS | limits.REQUEST_LEVEL_KEYS
    )
)
def test_unknown_extra_keys_are_refused_like_the_api_would(key: str) -> None:
    new_pass = Pass(template="t", holder=Holder(name="Ada Lovelace"), extra={key: "x"})
    problems = vendor_problems(LivepassesProvider(), new_pass)
    assert [p.location for p in problems] == [f"extra.{key}"]


def test_field_values_render_as_the_api_expects() -> None:
    assert payloads.wire_value(Decimal("12.50")) == 12.5
    assert payloads.wire_value(Decimal("12")) == 12
    assert payloads.wire_value(PassField(value=date(2027, 1, 2), label="x")) == "2027-01-02"
    assert (
        payloads.wire_value(
            datetime(2027, 1, 2, 3, 4, 5, 999, tzinfo=timezone(timedelta(hours=-2)))
        )
        == "2027-01-02T05:04:05Z"
    )


_JSON_NUMBERS = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
)
_NOT_NUMBERS = st.one_of(
    st.none(), st.booleans(), st.text(max_size=8), st.lists(st.integers(), max_size=2)
)


@given(
    points=_JSON_NUMBERS,
    money=_JSON_NUMBERS,
    currency=st.one_of(st.none(), st.text(max_size=40)),
    kind=st.sampled_from([None, *PassKind]),
)
def test_the_balance_an_answer_reports_is_its_points_or_its_money(
    points, money, currency, kind
) -> None:
    data = {"currentPoints": points, "accountBalance": money, "currency": currency}
    balance = payloads.balance_from(data, kind)
    assert balance is not None
    if kind is PassKind.GIFT_CARD:
        assert balance.amount == Decimal(str(money))
        named = isinstance(currency, str) and 0 < len(currency) <= 32
        assert balance.currency == (currency if named else None)
    else:
        assert (balance.amount, balance.currency) == (Decimal(str(points)), None)


@given(points=_NOT_NUMBERS, money=_NOT_NUMBERS, kind=st.sampled_from([None, *PassKind]))
def test_what_is_not_a_json_number_is_no_balance(points, money, kind) -> None:
    data = {"currentPoints": points, "accountBalance": money, "points": points}
    assert payloads.balance_from(data, kind) is None
    assert payloads.balance_from(points, kind) is None


@pytest.mark.parametrize(
    ("vendor", "read", "redemption"),
    [
        ("Active", PassStatus.ISSUED, PassStatus.ACTIVE),
        ("Redeemed", PassStatus.REDEEMED, PassStatus.REDEEMED),
        ("Expired", PassStatus.EXPIRED, PassStatus.EXPIRED),
        ("Cancelled", PassStatus.VOIDED, PassStatus.VOIDED),
        ("Installed", PassStatus.UNKNOWN, PassStatus.UNKNOWN),
        (None, PassStatus.UNKNOWN, PassStatus.UNKNOWN),
    ],
)
def test_statuses_read_and_after_a_redemption(vendor, read, redemption) -> None:
    assert payloads.status_of(vendor) is read
    assert payloads.redemption_status_of(vendor) is redemption


def test_list_filters_issued_and_active_alike() -> None:
    assert payloads.vendor_status_for(PassStatus.ISSUED) == "Active"
    assert payloads.vendor_status_for(PassStatus.ACTIVE) == "Active"
    assert payloads.vendor_status_for(PassStatus.VOIDED) == "Cancelled"
    assert payloads.vendor_status_for(PassStatus.INSTALLED) is None


@given(
    pass_id=st.from_regex(r"[A-Za-z0-9_~:@-]{2,40}", fullmatch=True),
    name=st.from_regex(r"[a-z][A-Za-z0-9]{1,20}", fullmatch=True),
    where=st.sampled_from(["end", "middle"]),
    line_break=st.sampled_from(["\n", "\r\n"]),
)
def test_an_id_or_field_name_with_a_line_break_is_refused_as_any_other_malformed_one(
    pass_id: str, name: str, where: str, line_break: str
) -> None:
    """A final line break too (which a ``$`` would have let through)."""

    def broken(text: str) -> str:
        return text + line_break if where == "end" else text[:1] + line_break + text[1:]

    assert limits.id_problem(pass_id) is None
    assert limits.id_problem(broken(pass_id)) == limits.id_problem("a/b")
    assert limits.updated_field_problem(name) is None
    assert limits.updated_field_problem(broken(name)) == limits.updated_field_problem("Seat")
