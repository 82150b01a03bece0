"""What the Livepasses provider sends for a create, recorded by a server written from the SDK-read
reference alone (walletpass.testing.recording), not by the emulator: every key is one the
reference documents (section 3.1), in the JSON type it gives (issue 16)."""

from __future__ import annotations

from decimal import Decimal

from walletpass_livepasses import LivepassesProvider

from walletpass import Balance, Holder, Pass, PassKind
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
