"""What the Livepasses provider sends for a create, recorded by a server written from the SDK-read
reference alone (walletpass.testing.recording), not by the emulator: every key is one the
reference documents (section 3.1), in the JSON type it gives (issue 16)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from walletpass_livepasses import LivepassesProvider

from walletpass import Balance, Holder, Location, Pass, PassKind, PassUpdate
from walletpass.testing.recording import DocumentedRoute, RecordingServer

#: Section 3.1: the synchronous generate answer (the envelope of section 2.1).
GENERATED = {
    "success": True,
    "message": "OK",
    "data": {
        "batchId": "b-7781",
        "templateId": "tmpl-loyalty",
        "generatedAt": "2027-01-05T10:00:00Z",
        "totalPasses": 1,
        "isAsyncProcessing": False,
        "passes": [
            {
                "id": "p-0193",
                "customerEmail": "priya@example.com",
                "status": "Active",
                "platforms": {
                    "apple": {
                        "available": True,
                        "addToWalletUrl": "https://a",
                        "passUrl": "https://p",
                    },
                    "google": {"available": True, "addToWalletUrl": "https://g"},
                },
            }
        ],
    },
}

TEXT = str
NUMBER = (int, float)
#: Section 3.1 body fields and their types.
DOCUMENTED: dict[str, type | tuple[type, ...]] = {
    "templateId": TEXT,
    "passes[].customer.firstName": TEXT,
    "passes[].customer.lastName": TEXT,
    "passes[].customer.email": TEXT,
    "passes[].customer.phone": TEXT,
    "passes[].customer.preferredLanguage": TEXT,
    **{
        f"passes[].businessData.{k}": TEXT
        for k in ("membershipNumber", "memberTier", "memberSince", "favoriteStore")
    },
    "passes[].businessData.currentPoints": int,
    "passes[].businessData.lifetimePoints": int,
    "passes[].businessData.accountBalance": NUMBER,
    "options.deliveryMethod": TEXT,
    "options.generateForAllPlatforms": bool,
}
OBJECTS = {"passes[].customer", "passes[].businessData", "options", "passes"}


def _values(value: object, prefix: str = "") -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            if path in OBJECTS or isinstance(item, list):
                found += _values(item, path)
            else:
                found.append((path, item))
    elif isinstance(value, list):
        for item in value:
            found += _values(item, f"{prefix}[]")
    return found


def test_a_create_sends_only_documented_keys_in_their_documented_types() -> None:
    routes = [DocumentedRoute("POST", r"/api/passes/generate", GENERATED)]
    with RecordingServer(routes) as server:
        wallet = LivepassesProvider(api_key="lp_live_example", base_url=server.url)
        try:
            wallet.create(
                Pass(
                    template="tmpl-loyalty",
                    kind=PassKind.LOYALTY,
                    holder=Holder(first_name="Priya", last_name="Shah", email="priya@example.com"),
                    tier="Gold",
                    balance=Balance(amount=Decimal(500)),
                    fields={"membershipNumber": "MEM-1"},
                )
            )
        finally:
            wallet.close()
    (create,) = server.requests
    assert create.headers["x-api-key"] == "lp_live_example"
    for path, value in _values(create.json()):
        assert path in DOCUMENTED, f"{path} is not a documented generate field"
        expected = DOCUMENTED[path]
        boolean_for_number = isinstance(value, bool) and expected is not bool
        assert isinstance(value, expected) and not boolean_for_number, (path, value)


# -- update, template push and the redemption family: keys and JSON types of every body -------

PASS_ID = "p-0193"
#: Section 3.4: the lookup answer (the provider reads the pass back after a PUT).
LOYALTY_TEMPLATE = {
    "success": True,
    "data": {"id": "tmpl-loyalty", "name": "Coffee Club", "type": "Loyalty", "status": "Active"},
}
LOOKUP = {
    "success": True,
    "data": {
        "passId": PASS_ID,
        "templateId": "tmpl-loyalty",
        "status": "Active",
        "isValid": True,
        "holderName": "Priya Shah",
        "holderEmail": "priya@example.com",
        "confirmationCode": "HL-4410",
        "createdAt": "2027-01-05T10:00:00Z",
    },
}
#: Section 3.8: the common redemption result.
REDEEMED = {
    "success": True,
    "data": {
        "passId": PASS_ID,
        "newStatus": "Redeemed",
        "redeemedAt": "2027-03-12T19:41:07Z",
        "alreadyRedeemed": False,
        "location": {"name": "North Gate", "latitude": 51.5072, "longitude": -0.1276},
        "pointsEarned": None,
        "newBalance": None,
        "transactionType": None,
    },
}
STRINGS = list
LOCATION = {"name": TEXT, "latitude": NUMBER, "longitude": NUMBER}
#: Sections 3.6-3.8: each body's documented keys and JSON types (``dict`` of str -> str for
#: ``metadata``; ``updatedFields`` values are the caller's, as JSON scalars).
BODIES: dict[str, dict[str, Any]] = {
    f"PUT /api/passes/{PASS_ID}": {
        "updatedFields": "scalars",
        "reason": TEXT,
        "messageHeader": TEXT,
        "messageBody": TEXT,
        "notify": bool,
    },
    "POST /api/passes/template/tmpl-loyalty/push": {"updatedFields": "scalars", "reason": TEXT},
    f"POST /api/passes/{PASS_ID}/redeem": {
        "acceptedTypes": STRINGS,
        "redemptionMethod": TEXT,
        "redemptionChannel": TEXT,
        "location": LOCATION,
        "confirmationCode": TEXT,
        "metadata": "text map",
    },
    f"POST /api/passes/{PASS_ID}/check-in": {
        "acceptedTypes": STRINGS,
        "gate": TEXT,
        "section": TEXT,
        "redemptionMethod": TEXT,
        "location": LOCATION,
        "metadata": "text map",
    },
    f"POST /api/passes/{PASS_ID}/redeem-coupon": {
        "acceptedTypes": STRINGS,
        "redemptionChannel": TEXT,
        "location": LOCATION,
        "locationId": TEXT,
        "transactionAmount": NUMBER,
        "transactionCurrency": TEXT,
        "promoCode": TEXT,
        "redemptionMethod": TEXT,
        "metadata": "text map",
    },
    f"POST /api/passes/{PASS_ID}/loyalty/transact": {
        "transactionType": TEXT,
        "points": int,
        "description": TEXT,
    },
    f"POST /api/passes/{PASS_ID}/giftcard/redeem": {
        "amount": NUMBER,
        "reason": TEXT,
        "redemptionChannel": TEXT,
    },
    f"POST /api/passes/{PASS_ID}/membership/check-in": {"gate": TEXT, "redemptionMethod": TEXT},
    f"POST /api/passes/{PASS_ID}/stamp": {},  # "must be an empty JSON object"
    "POST /api/passes/redeem-by-scan": {
        "scannedValue": TEXT,
        "redemptionMethod": TEXT,
        "redemptionChannel": TEXT,
        "latitude": NUMBER,
        "longitude": NUMBER,
    },
}
REQUIRED = {
    "POST /api/passes/template/tmpl-loyalty/push": {"updatedFields"},
    f"POST /api/passes/{PASS_ID}/loyalty/transact": {"transactionType", "points"},
    f"POST /api/passes/{PASS_ID}/giftcard/redeem": {"amount"},
    "POST /api/passes/redeem-by-scan": {"scannedValue"},
}


def _is(value: object, expected: Any) -> bool:
    if expected == "scalars":
        return isinstance(value, dict) and all(
            isinstance(v, str | int | float | bool) for v in value.values()
        )
    if expected == "text map":
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    if isinstance(expected, dict):
        return isinstance(value, dict) and all(
            key in expected and _is(item, expected[key]) for key, item in value.items()
        )
    if expected is STRINGS:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    boolean_for_number = isinstance(value, bool) and expected is not bool
    return isinstance(value, expected) and not boolean_for_number


def test_update_push_and_redemption_bodies_send_documented_keys_in_documented_types() -> None:
    routes = [
        DocumentedRoute("PUT", rf"/api/passes/{PASS_ID}", {"success": True, "data": {}}),
        DocumentedRoute("GET", r"/api/passes/lookup", LOOKUP),
        # A balance without a currency goes where the pass's kind keeps it: its template's type.
        DocumentedRoute("GET", r"/api/templates/tmpl-loyalty", LOYALTY_TEMPLATE),
        DocumentedRoute("POST", r"/api/passes/template/[^/]+/push", {"success": True, "data": {}}),
        DocumentedRoute("POST", r"/api/passes/redeem-by-scan", REDEEMED),
        DocumentedRoute("POST", rf"/api/passes/{PASS_ID}/.+", REDEEMED),
    ]
    gate = Location(latitude=51.5072, longitude=-0.1276, name="North Gate")
    with RecordingServer(routes) as server:
        wallet = LivepassesProvider(api_key="lp_live_example", base_url=server.url, max_retries=0)
        try:
            wallet.update(
                PASS_ID,
                PassUpdate(
                    fields={
                        "memberTier": "Platinum",
                        "points": 1250,
                        "validUntil": date(2026, 12, 31),
                    },
                    message="Welcome to Platinum",
                    notify=False,
                    extra={"reason": "Tier review", "messageHeader": "Your tier"},
                ),
            )
            wallet.update(PASS_ID, PassUpdate(balance=Balance(amount=Decimal(300))))
            with _gift_card_wallet(server.url) as gift:
                gift.update(
                    PASS_ID, PassUpdate(balance=Balance(amount=Decimal(25), currency="EUR"))
                )
            wallet.update(PASS_ID, PassUpdate(tier="Gold"))
            wallet.push_template_update("tmpl-loyalty", {"gate": "Gate C"}, reason="Gate change")
            verbs = {
                "redeem": {
                    "accepted_types": ["EventTicket"],
                    "redemption_method": "manual",
                    "redemption_channel": "in_store",
                    "location": gate,
                    "confirmation_code": "HL-4410",
                    "metadata": {"till": "3"},
                },
                "check-in": {"gate": "North", "section": "B", "location": gate},
                "redeem-coupon": {
                    "transaction_amount": Decimal("19.99"),
                    "transaction_currency": "EUR",
                    "promo_code": "SUMMER",
                    "location_id": "store-7",
                },
                "membership/check-in": {"gate": "Door 1"},
                "stamp": {},
            }
            for endpoint, options in verbs.items():
                # (/redeem is for single-use passes: this one is a loyalty card the wallet knows,
                # which /redeem refuses before sending; the kind given says a ticket's)
                kind = {"kind": "event_ticket"} if endpoint == "redeem" else {}
                wallet.redeem(PASS_ID, options={"endpoint": endpoint, **kind, **options})
            wallet.redeem(PASS_ID, amount=Decimal(40), options={"endpoint": "loyalty/transact"})
            wallet.redeem(
                PASS_ID,
                amount=Decimal("7.25"),
                options={"endpoint": "giftcard/redeem", "reason": "Lunch"},
            )
            wallet.redeem_by_scan("LP1:p-0193", latitude=51.5, longitude=-0.12)
        finally:
            wallet.close()
    sent = [r for r in server.requests if r.method != "GET"]
    seen = set()
    for request in sent:
        route = f"{request.method} {request.path}"
        assert route in BODIES, f"{route} is not a documented request"
        body = request.json()
        documented = BODIES[route]
        for key, value in body.items():
            assert key in documented, f"{route} sends undocumented {key!r}"
            assert _is(value, documented[key]), (route, key, value)
        assert REQUIRED.get(route, set()) <= set(body), (route, body)
        assert request.headers["content-type"].split(";")[0] == "application/json"
        seen.add(route)
    assert seen == set(BODIES), f"not exercised: {set(BODIES) - seen}"
    put = sent[0].json()
    assert put["updatedFields"] == {
        "memberTier": "Platinum",
        "points": 1250,
        "validUntil": "2026-12-31",
    }
    assert put["notify"] is False and put["messageBody"] == "Welcome to Platinum"
    transact = next(r.json() for r in sent if r.path.endswith("/loyalty/transact"))
    assert transact == {"transactionType": "spend", "points": 40}
    assert next(r.json() for r in sent if r.path.endswith("/stamp")) == {}


def _gift_card_wallet(url: str) -> LivepassesProvider:
    """A provider on ``url`` whose template alias says the documented lookup's template
    issues gift cards: money is a gift card's balance (a loyalty card's is its points)."""
    return LivepassesProvider(
        api_key="lp_live_example",
        base_url=url,
        max_retries=0,
        templates={"gift-card": {"id": "tmpl-loyalty", "kind": "gift_card"}},
    )


#: Section 3.6: the updatable names the reference shows ("full list ... UNKNOWN").
ATTESTED_UPDATE_NAMES = {"memberTier", "points", "validUntil", "gate"}


def test_updated_field_names_walletpass_chooses_are_attested_or_declared_inferred() -> None:
    """Names walletpass picks for neutral attributes (tier, balance) in ``updatedFields``: each is
    one the reference shows, or the capability declares it inferred (the matrix marks it)."""
    routes = [
        DocumentedRoute("PUT", rf"/api/passes/{PASS_ID}", {"success": True, "data": {}}),
        DocumentedRoute("GET", r"/api/passes/lookup", LOOKUP),
        # A balance without a currency goes where the pass's kind keeps it: its template's type.
        DocumentedRoute("GET", r"/api/templates/tmpl-loyalty", LOYALTY_TEMPLATE),
    ]
    changes = {
        "tier": PassUpdate(tier="Gold"),
        "balance": PassUpdate(balance=Balance(amount=Decimal(300))),
        "balance ": PassUpdate(balance=Balance(amount=Decimal(25), currency="EUR")),
    }
    with RecordingServer(routes) as server:
        wallet = LivepassesProvider(api_key="lp_live_example", base_url=server.url, max_retries=0)
        gift = _gift_card_wallet(server.url)
        try:
            for change in changes.values():
                # (money is a gift card's balance: a loyalty card's is its points)
                money = change.balance is not None and change.balance.currency is not None
                (gift if money else wallet).update(PASS_ID, change)
        finally:
            wallet.close()
            gift.close()
    puts = [r.json() for r in server.requests if r.method == "PUT"]
    for capability, body in zip(changes, puts, strict=True):
        declared = LivepassesProvider.capabilities[capability.strip()]
        for name in body["updatedFields"]:
            assert name in ATTESTED_UPDATE_NAMES or any(
                name in item for item in declared.inferred
            ), f"updatedFields.{name} ({capability.strip()}) is neither attested nor inferred"
