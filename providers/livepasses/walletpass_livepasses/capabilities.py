"""What Livepasses can do, in walletpass's terms: the capability declarations of the provider.

Every note says how walletpass carries the feature on Livepasses (the endpoint and key), or for
what it cannot carry, the alternative. Details the vendor does not document are declared
*inferred*. The matrix in ``docs/capabilities.md`` is rendered from this table.
"""

from __future__ import annotations

from walletpass.capabilities import Capabilities, Capability, emulated, native, none

__all__ = ["CAPABILITIES"]

_TEMPLATE_LEVEL = "design is template-level on Livepasses (set it in the template)"
#: What no Livepasses read returns (its lookup and list items carry no business data).
_NOT_READ_BACK = (
    "fields, balance, tier, holder phone and language, wallet links and barcode are not "
    "returned (Livepasses' lookup carries no business data; get() leaves them out rather than "
    "return some): keep what create() and update() answer"
)
_WRITE_ONLY = "get() and list() cannot read it back (Livepasses' lookup carries no business data)"
_KIND_NOTE = (
    "the template's type decides; redeem() and a balance update use the kind given in options, "
    "else the template alias's kind, else the kind of the template's type (type names other "
    "than EventTicket are inferred; a type walletpass does not know is refused, naming options)"
)

CAPABILITIES = Capabilities(
    {
        # operations
        Capability.CREATE: native(
            "POST /api/passes/generate with one recipient; wallet links in urls (apple, google, "
            "download = Apple passUrl); a failed recipient raises with its code; followed by "
            "polling if Livepasses answers with an asynchronous batch. With external_id "
            "RECOVERABLE (looked up by confirmation code before any resend)"
        ),
        Capability.GET: native(
            "GET /api/passes/lookup?passId= then GET /api/passes/{id}/validate: template, "
            "status, holder name and email, confirmation code (external_id) and redeemability "
            f"only; {_NOT_READ_BACK}"
        ),
        Capability.UPDATE: native(
            "PUT /api/passes/{id} {updatedFields (verbatim keys), messageBody, notify}, then "
            "GET /api/passes/lookup for the pass's template and status after the change; the "
            "answer's fields are the updatedFields Livepasses accepted"
        ),
        Capability.REDEEM: native(
            "the verb of the pass's kind: event ticket -> /check-in, coupon -> /redeem-coupon, "
            "loyalty with an amount -> /loyalty/transact spend, gift card with an amount -> "
            "/giftcard/redeem, other kinds -> /redeem; without an amount a loyalty, membership "
            "or gift card is not used up, so it is refused before sending (NotUsedUp: ask for "
            "a stamp or a check-in by name, stamp() / membership_check_in() or options "
            "endpoint); the kind comes from options kind (or endpoint), else the "
            "template alias of the pass's template, else the template's type (a lookup and a "
            "template read, once per template); a type walletpass does not know (Generic) is "
            "refused before sending, naming these options",
            inferred=(
                "routing by the template type names Loyalty, Coupon, Membership and GiftCard "
                "(only EventTicket is attested)",
            ),
        ),
        Capability.DELETE: none(
            "Livepasses documents no deletion: expire the pass with "
            "update(fields={'validUntil': <past date>}), or deactivate_template() (stops every "
            "pass of the template)"
        ),
        Capability.LIST: native(
            "GET /api/passes?page=&pageSize= (templateId, status, searchTerm filters), pages "
            "fetched lazily until totalPages; like get(), no fields or balance",
            inferred=(
                "the status filter values Expired and Cancelled (the documented value sets are "
                "UNKNOWN: fixtures show Active and Redeemed; the others are read from the "
                "PASS_EXPIRED code and the pass.expired / pass.cancelled events)",
            ),
        ),
        Capability.CREATE_MANY: native(
            "POST /api/passes/generate with up to 100 recipients per call (passes sharing a "
            "template and event context); asynchronous batches are polled (aimed at each batch's "
            "predicted end, at most poll_interval apart) until batch_timeout; outcomes in input "
            "order; each item reports the fields it sent; an asynchronous batch's passes "
            "name their balance, barcode and wallet links (urls) in unknown_parts (the batch "
            "status carries none of them)"
        ),
        # kinds
        Capability.KIND_GENERIC: native(f"any template; {_KIND_NOTE}"),
        Capability.KIND_EVENT_TICKET: native(f"an EventTicket template; {_KIND_NOTE}"),
        Capability.KIND_LOYALTY: native(
            f"a Loyalty template; {_KIND_NOTE}",
            inferred=("the template type name Loyalty (only EventTicket is attested)",),
        ),
        Capability.KIND_COUPON: native(
            f"a Coupon template; {_KIND_NOTE}",
            inferred=("the template type name Coupon (only EventTicket is attested)",),
        ),
        Capability.KIND_MEMBERSHIP: native(
            f"a Membership template; {_KIND_NOTE}",
            inferred=("the template type name Membership (only EventTicket is attested)",),
        ),
        Capability.KIND_GIFT_CARD: native(
            f"a GiftCard template; {_KIND_NOTE}",
            inferred=("the template type name GiftCard (only EventTicket is attested)",),
        ),
        Capability.KIND_RESERVATION: none(
            "Livepasses has no reservation type: use an event ticket"
        ),
        Capability.KIND_APPOINTMENT: none(
            "Livepasses has no appointment type: use an event ticket"
        ),
        Capability.KIND_BOARDING_PASS: none("Livepasses has no boarding-pass type"),
        # fields
        Capability.EXTERNAL_ID: native(
            "businessData.confirmationCode (the client-supplied business key; "
            "lookup(confirmation_code=) finds the pass again)"
        ),
        Capability.HOLDER_NAME: native(
            "customer.firstName + lastName, both required (holder.name is split at the last space)"
        ),
        Capability.HOLDER_EMAIL: native("customer.email"),
        Capability.HOLDER_PHONE: emulated(
            f"sent as customer.phone; {_WRITE_ONLY}: no answer returns it"
        ),
        Capability.HOLDER_LANGUAGE: emulated(
            f"sent as customer.preferredLanguage; {_WRITE_ONLY}: no answer returns it"
        ),
        Capability.FIELDS: emulated(
            "documented businessData names (sectionInfo, seatNumber, memberTier, promoCode, ...) "
            "go to businessData, typed; any other key to personalizations.customFields as text, "
            f"verbatim; on update: updatedFields, verbatim. {_WRITE_ONLY}: create() reports the "
            "businessData Livepasses answers (custom fields are not in it), update() the "
            "updatedFields it accepted"
        ),
        Capability.FIELD_LABELS: none("labels belong to the template: design them there"),
        Capability.BARCODE_QR: none(
            "Livepasses draws the pass's QR code itself (IssuedPass.barcode / qrCode)"
        ),
        Capability.BARCODE_PDF417: none("Livepasses draws the pass's barcode itself"),
        Capability.BARCODE_AZTEC: none("Livepasses draws the pass's barcode itself"),
        Capability.BARCODE_CODE128: none("Livepasses draws the pass's barcode itself"),
        Capability.BARCODE_ALT_TEXT: none("Livepasses draws the pass's barcode itself"),
        Capability.LOCATIONS: none(
            "no relevance locations on Livepasses passes (a redemption's location is a redeem "
            "option)"
        ),
        Capability.LOCATION_ALTITUDE: none("no relevance locations on Livepasses passes"),
        Capability.LOCATION_RADIUS: none("no relevance locations on Livepasses passes"),
        Capability.LOCATION_RELEVANT_TEXT: none("no relevance locations on Livepasses passes"),
        Capability.LOCATION_NAME: none("no relevance locations on Livepasses passes"),
        Capability.LOCATION_ADDRESS: none("no relevance locations on Livepasses passes"),
        Capability.LOCATION_URL: none("no relevance locations on Livepasses passes"),
        Capability.BEACONS: none("no beacons on Livepasses passes"),
        Capability.BEACON_RELEVANT_TEXT: none("no beacons on Livepasses passes"),
        Capability.BEACON_NAME: none("no beacons on Livepasses passes"),
        Capability.RELEVANT_AT: none("no relevant date: use the event context (event.starts_at)"),
        Capability.EXPIRES_AT: none(
            "generation takes no expiry: set it afterwards with "
            "update(fields={'validUntil': '2027-12-31'})"
        ),
        Capability.COLOR_BACKGROUND: none(_TEMPLATE_LEVEL),
        Capability.COLOR_FOREGROUND: none(_TEMPLATE_LEVEL),
        Capability.COLOR_LABEL: none(_TEMPLATE_LEVEL),
        Capability.LOGO_TEXT: none(_TEMPLATE_LEVEL),
        Capability.DESCRIPTION: none(_TEMPLATE_LEVEL),
        Capability.ORGANIZATION_NAME: none(_TEMPLATE_LEVEL),
        Capability.IMAGES: none(
            "no image upload: media are template-level (requiredMedia / mediaConfiguration)"
        ),
        Capability.GROUP: none("no pass groups on Livepasses"),
        Capability.NFC: none(
            "NFC is configured per template; redeem_by_scan() resolves NFC tap values"
        ),
        Capability.BALANCE: emulated(
            "points (no currency, or 'points') -> businessData.currentPoints (update: "
            "updatedFields.points); money (a currency, or a gift card's balance) -> "
            "accountBalance + currency; a create's balance with neither a currency nor a kind "
            "is refused (a create cannot tell the template's type without a read); a balance "
            "in a unit its pass's kind does not spend is refused (money on a loyalty card, "
            "whose redeem spends points; points on a gift card); an update of a balance "
            "learns the pass's kind first (the alias's, else a lookup and the template's "
            "type), so a gift card's goes to accountBalance, where /giftcard/redeem spends it. "
            f"{_WRITE_ONLY}: create() and update() report it in IssuedPass.balance, "
            "redeem(amount=) in Redemption.remaining",
            inferred=(
                "a money balance on update (a gift card's) as updatedFields.accountBalance and "
                "currency (the generate names; updatable names are not published beyond "
                "memberTier, points, validUntil, gate); the emulator refuses points on a gift card",
                "a gift card's money on update is at least 0 (checked before the PUT; the emulator "
                "refuses a negative accountBalance)",
            ),
        ),
        Capability.TIER: emulated(
            "businessData.memberTier (update: updatedFields.memberTier); "
            f"{_WRITE_ONLY}: create() and update() report it as fields['memberTier']"
        ),
        Capability.EVENT_TITLE: native(
            "businessContext.event.eventName (create only; shared by a generate call)"
        ),
        Capability.EVENT_STARTS_AT: native(
            "businessContext.event.eventDate, UTC (create only; shared by a generate call)"
        ),
        Capability.EVENT_DURATION: none(
            "no event duration: put doorsOpen in extra.businessContext"
        ),
        Capability.EVENT_URL: none("no event URL on Livepasses passes: use a custom field"),
        Capability.EXTRA: native(
            "create: deep-merged into the recipient (customer, businessData, personalizations) "
            "and the request (businessContext, options); update: reason, messageHeader"
        ),
        # updates
        Capability.UPDATE_MESSAGE: native("messageBody (at most 2000 characters)"),
        Capability.UPDATE_NOTIFY: native(
            "notify (False: no holder-visible banner); sent false when no message is given"
        ),
        Capability.UPDATE_CLEAR: none("Livepasses cannot clear a field: send a new value"),
        # Livepasses-only operations
        # Pass events: see walletpass_livepasses.events
        Capability.EVENTS_SUBSCRIBE: native(
            "documented (SDK 0.3.0): subscribe_events -> POST /api/webhooks {url, events} "
            "answering the secret, list (GET, not paged), delete (DELETE /api/webhooks/{id}); "
            "an event outside the server's allow-list is a 400; no secret rotation: delete and "
            "subscribe again; the default subscribes the seven mapped events, not '*'",
            inferred=(
                "the neutral meaning of pass.generated (issued) and pass.cancelled (voided), "
                "from their names",
                "pass.expired: allowed by 0.3.0, refused with 400 per the unreleased changelog "
                "(server-version dependent)",
            ),
        ),
        Capability.EVENTS_RECEIVE: none(
            "Livepasses publishes neither how deliveries are signed (header, algorithm, signed "
            "bytes, encoding) nor what they contain, so walletpass cannot verify or parse them: "
            "check deliveries with your own authentication and read the JSON yourself"
        ),
    }
)
