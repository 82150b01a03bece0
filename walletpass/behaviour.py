"""How a vendor behaves where its capability declarations do not say.

The declarations (:mod:`walletpass.capabilities`) say *what* a vendor can carry and do. Some of
what an application observes depends on *how* the vendor does it: the status a redeemed pass is
left in, what a read says of a deleted pass, where a balance lives, what a read cannot return,
whether values come back as text. (What is the same on every vendor is no fact of a vendor's: a
spend from a balance leaves the status a ``get()`` reports as it was, everywhere, docs/concepts.md
"One meaning per operation and status".) A provider states these facts once, as its
:attr:`Provider.behaviour <walletpass.provider.Provider.behaviour>`; the fake wearing the vendor's
profile (``connect("fake", profile=...)``) behaves accordingly, so an application's tests see what
the vendor would show. The profile-parity tests hold each statement against the vendor's
emulator.
"""

# No ``from __future__ import annotations``: a NamedTuple compiles each string annotation of
# its fields as it is built (start-up time), so Python evaluates them instead.

import base64
import hashlib
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, NamedTuple

from walletpass.kinds import KindTable
from walletpass.model import (
    Balance,
    Barcode,
    Holder,
    IssuedPass,
    PassKind,
    PassStatus,
    PassUpdate,
    PassUrls,
)

__all__ = [
    "ANSWERS",
    "BOOKKEEPING",
    "PROFILE_URL_BASE",
    "READABLE_PARTS",
    "MetaFacts",
    "VendorBehaviour",
]

#: The answers that report a pass: to ``create``, ``update``, ``get`` and each row of ``list``.
ANSWERS = frozenset({"create", "update", "get", "list"})

#: Parts of an :class:`~walletpass.model.IssuedPass` a vendor's read may be unable to return
#: (``holder.*``: one attribute of the holder; ``urls``: the pass's links, all of them).
READABLE_PARTS = frozenset(
    {
        "fields",
        "balance",
        "kind",
        "barcode",
        "urls",
        "holder.email",
        "holder.phone",
        "holder.language",
    }
)

#: The record-keeping attributes of an :class:`~walletpass.model.IssuedPass` a vendor's answer
#: may or may not report (``bookkeeping``).
BOOKKEEPING = frozenset({"created_at", "updated_at", "version"})

#: The host a profile's urls (``url_forms``) are on: the fake's own, a name that never resolves.
PROFILE_URL_BASE = "https://fake.walletpass.invalid"


class MetaFacts(NamedTuple):
    """What a profile knows of an answer when it reports its vendor's ``IssuedPass.meta``
    (``VendorBehaviour.meta_of``).

    Attributes:
        answer: the answer (:data:`ANSWERS`): ``create``, ``update``, ``get`` or ``list``.
        kept: the pass as the fake keeps it, before it is shaped as the vendor answers it: its
            status, the kind it was created as, its ``updated_at`` (when its status last
            changed: a redeem, a delete), and in ``meta`` the fake's own keys
            (``last_message``: the last message pushed, ``notified``; ``notify``: what the
            last update asked, ``None`` where it did not say; ``uses``: the redeems of
            a pass whose uses its vendor counts, ``VendorBehaviour.uses_field``; ``used_at``:
            when a redeem used it up, ISO 8601 text), and in
            ``raw`` the parameters the pass was created with as each update changed them (JSON
            form, e.g. ``relevant_at`` as ISO 8601 text; ``{}`` once a delete wiped the pass).
        change: the update answered (an ``update`` answer only), as the vendor received it;
            ``None`` otherwise.
        template: what the vendor's dashboard shows of the pass's template, where the profile
            was given the dashboard (the fake's ``dashboard`` setting, read by
            ``VendorBehaviour.dashboard_templates``): e.g. its ``name``, a Pass2U model's field
            ``labels``; ``{}`` otherwise.
        balance_aliased: the pass's template alias names a ``balance_field``, so the vendor's
            provider reads the balance after each write (PassEntry's loyalty read).
    """

    answer: str
    kept: IssuedPass
    change: PassUpdate | None = None
    template: Mapping[str, Any] = {}
    balance_aliased: bool = False


class _Facts(NamedTuple):
    """The facts of :class:`VendorBehaviour` (documented there)."""

    redeemed_status: PassStatus = PassStatus.REDEEMED
    use_operations: Mapping[PassKind, str] | None = None
    balance_kinds: frozenset[PassKind] | None = None
    deleted_on_get: bool = True
    deleted_wipes: bool = False
    spend_status: PassStatus | None = PassStatus.ACTIVE
    balance_fields: tuple[str, ...] = ()
    text_values: bool = False
    unread_on_get: frozenset[str] = frozenset()
    balance_read_when_aliased: bool = False
    opening_balance: Decimal | None = None
    update_reads_back: bool = False
    new_external_id: Callable[[], str] | None = None
    created_fields: frozenset[str] | None = None
    fractional_spend: str | None = None
    whole_spend_kinds: frozenset[PassKind] = frozenset()
    kinds: KindTable[Any] | None = None
    kind_answered_by: frozenset[str] = ANSWERS
    barcode_format_in_writes: bool = True
    new_barcode: Callable[[IssuedPass], Barcode] | None = None
    spend_reports_time: bool = True
    bookkeeping: Mapping[str, frozenset[str]] | None = None
    redeem_method: Callable[[PassKind | None, bool], str] | None = None
    url_forms: Mapping[str, Mapping[str, str]] | None = None
    keyed_by_external_id: bool = False
    counted_uses: frozenset[PassKind] = frozenset()
    uses_field: str | None = None
    balance_kind: Callable[[Balance | None, str | None], PassKind | None] | None = None
    template_is_type: bool = False
    expiry_field: str | None = None
    meta_of: Callable[[IssuedPass, MetaFacts], Mapping[str, Any]] | None = None
    dashboard_templates: Callable[[Mapping[str, Any]], Mapping[str, Mapping[str, Any]]] | None = (
        None
    )
    verb_in_refusals: bool = False
    update_names: Mapping[str, str] | None = None
    balance_in_fields: Callable[[Balance, MetaFacts], Mapping[str, Any]] | None = None
    balance_read: Callable[[Mapping[str, Any], PassKind | None], Balance | None] | None = None
    balance_write_refusal: str | None = None
    holder_name_whole: frozenset[str] = frozenset()
    attributes_in_fields: Callable[[MetaFacts], Mapping[str, Any]] | None = None
    updated_once_changed: bool = False
    whole_name: Callable[[Holder], str | None] | None = None
    attribute_field_keys: Mapping[str, tuple[str, ...]] | None = None
    field_values: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None
    listed_alike: Mapping[PassStatus, frozenset[PassStatus]] | None = None


# A NamedTuple, not a frozen dataclass: every process that connects builds this class, and a
# dataclass of this many fields costs about 10 M instructions of start-up to generate its
# methods (benchmarks/run.py --only startup); as a tuple it stays immutable and comparable.
class VendorBehaviour(_Facts):
    """Facts about a vendor's behaviour that a vendor profile reproduces.

    Attributes:
        redeemed_status: the status a ``get()`` reports after ``redeem(id)`` used a pass up
            (``VOIDED`` where the vendor redeems by voiding, e.g. Pass2U and PassEntry).
        use_operations: per kind a ``redeem(id)`` does not use up
            (:data:`walletpass.redemption.NOT_USED_UP_KINDS`), the vendor's own calls that
            record a use of such a pass (Livepasses: a loyalty card's ``stamp(id)``, a
            membership's ``membership_check_in(id)``), named in the
            :class:`~walletpass.errors.NotUsedUp` refusal of a pass of that kind only; a kind
            missing (or ``None``): it has none.
        balance_kinds: the kinds whose passes keep a balance on this vendor (Livepasses and
            PassEntry: loyalty and gift cards), so the ``NotUsedUp`` refusal suggests
            ``redeem(id, amount=X)`` for those only; ``None``: any pass holding a balance (the
            fake's own: the pass's balance, or a ``balance_fields`` key, decides).
        deleted_on_get: after ``delete()``, ``get()`` reports the pass as ``DELETED`` (the vendor
            keeps a tombstone: the fake, PassEntry's nullified pass); ``False``: ``NotFound``
            (the vendor forgets it). Either way ``update`` and ``redeem`` of a deleted pass
            raise ``NotFound`` (:func:`walletpass.redemption.deleted_error`).
        deleted_wipes: ``delete()`` wipes the pass's data and keeps a tombstone (PassEntry's
            nullify, passentry.md 4.5: fields, barcode, NFC, locations and images go, the pass
            expires): a read of it reports no fields, holder, barcode or balance.
        spend_status: the status the answer to ``redeem(id, amount=...)`` reports (the
            vendor's, kept in ``Redemption.meta["vendor_status"]`` where it is not ``ACTIVE``);
            ``None``: the pass's own status after the spend (PassEntry answers a spend with the
            pass resource).
        balance_fields: template field keys in which the vendor keeps a pass's balance (e.g.
            loyalty points): ``redeem(id, amount=...)`` spends the first one the pass has, and
            the answers to create and update report it as ``IssuedPass.balance``.
        text_values: the vendor answers every template field value as text.
        unread_on_get: parts of a pass (:data:`READABLE_PARTS`) that ``get()`` and ``list()``
            cannot return: they are left out of those reads.
        balance_read_when_aliased: ``get()`` and ``list()`` do return the balance (one more
            request per pass) of a pass whose template alias names a ``balance_field``, though
            ``"balance"`` is in ``unread_on_get`` (PassEntry: its loyalty endpoint); so does
            ``create`` for such a pass created without a balance, so that it reports what the
            next ``get()`` does.
        opening_balance: the balance the vendor gives a new pass created without one, where
            it keeps balances for it (PassEntry: 0, *inferred*); the fake's profile reports it
            for a pass whose template alias names a ``balance_field``, and a spend meets it on
            any pass of a kind in ``balance_kinds`` (alias or not). ``None``: no balance.
        update_reads_back: the provider completes an update's answer by reading the pass back
            (one more request, :mod:`walletpass.readback`): the answer reports what a read
            reports, and of the parts a read cannot return (``unread_on_get``) only what the
            update itself set.
        new_external_id: makes up the external id the vendor (or its provider) gives a pass
            created without one, in the vendor's form; ``None``: such a pass has none.
        created_fields: the template field keys the answer to a create reports (Livepasses:
            its documented businessData names; a custom field is sent but not answered);
            ``None``: every field the pass was created with.
        fractional_spend: the vendor's words (a ``ValidationError`` on ``amount``, nothing
            spent; ``{amount}`` stands for the amount) refusing a spend that is not a whole
            number, where its balances are whole points; ``None``: fractions are spent.
        whole_spend_kinds: the kinds whose balance is whole points, refused after the pass is
            looked up (Livepasses: loyalty points, not gift cards); empty: every pass's, refused
            before anything is looked up (PassEntry).
        kinds: the vendor's pass types: a pass reports the kind its type reads back as
            (:meth:`KindTable.kind_of` of the type its kind is issued as: LivePass reads a
            loyalty card back as a membership card, PassEntry a store card as no kind), not the
            kind its create asked for; ``None``: the kind asked. Without a template alias the
            profile cannot see the dashboard, so it takes the template to be of the type the
            kind asked is issued as; a template alias's kind is reported as it is (the core
            and the vendor's provider report it too).
        kind_answered_by: the answers (:data:`ANSWERS`) that say a pass's kind; the others
            report none (Pass2U: only the ``.pkpass`` a read downloads; Livepasses: only the
            rows of its list).
        barcode_format_in_writes: the answers to create and update say the barcode's format;
            ``False`` (Pass2U: the model's symbology, which they do not carry): they report it
            as not known (``Barcode.format`` ``None``) unless the template alias states it
            (``barcode_format``).
        new_barcode: the barcode the vendor (or its provider) gives a pass that has none, from
            the pass (LivePass's provider: its id as a QR code); ``None``: such a pass has none.
        spend_reports_time: the answer to ``redeem(id, amount=...)`` says when the spend was
            made (``Redemption.redeemed_at``); ``False`` (PassEntry: its loyalty answer is the
            balance alone): ``None``, a moment the profile does not invent either.
        bookkeeping: per answer (:data:`ANSWERS`), the record-keeping attributes
            (:data:`BOOKKEEPING`: ``created_at``, ``updated_at``, ``version``) the vendor's
            provider reports in it; the others are ``None`` (an answer missing from the
            mapping reports none). An update that reads back (``update_reads_back``) reports
            the read's and, where the read has none, the write's ``updated_at``. ``None``:
            every answer reports all three (the fake's own).
        redeem_method: the vendor's verb a redemption reports (``Redemption.method``), from
            the kind the vendor judges the pass by and whether an amount was spent (Pass2U:
            ``void``; PassEntry: ``deactivate``, a spend ``loyalty``; Livepasses: the endpoint,
            e.g. ``check-in``, ``loyalty/transact``); ``None``: ``redeem``, a spend ``spend``
            (the fake's own).
        url_forms: per answer (:data:`ANSWERS`), the urls (``PassUrls`` names) the vendor's
            provider reports in it, each as its path and query after the host, ``{vendor_id}``
            standing for the pass's vendor id and ``{token}`` for a token the vendor makes for
            it (16 characters, e.g. LivePass's share token); the profile puts them on the
            fake's own host (:data:`PROFILE_URL_BASE`, which never resolves). An answer missing
            from the mapping reports none. ``None``: the fake's own download url everywhere.
        keyed_by_external_id: the vendor keys a pass by its external id, which is then its
            vendor id (``IssuedPass.vendor_id``; LivePass: the id in its paths); the profile's
            own id (``IssuedPass.id``) stays the fake's.
        counted_uses: the kinds whose ``redeem(id)`` the vendor answers with the uses left
            (Livepasses' coupons: ``newBalance``), reported in ``Redemption.meta["uses_left"]``
            (``0`` once the pass is used up); ``remaining`` stays ``None``, as it is a spend's.
        uses_field: the template field whose whole number is how many times ``redeem(id)`` uses
            a pass of a ``counted_uses`` kind (Livepasses: a coupon's ``maxUsageCount``, vendor
            notes 3.1; ``/redeem-coupon`` serves "coupons incl. multi-use coupons", 3.8): each
            use but the last answers ``ACTIVE`` and leaves the pass as it was, the last answers
            and leaves it ``redeemed_status``, one more is ``AlreadyRedeemed`` (docs/concepts.md,
            "One meaning per operation and status"). Without the field (or ``None``), or with
            no number in it, a pass is used up by its first ``redeem(id)``.
        balance_kind: the kind of pass the vendor keeps a balance for, from the balance (its
            currency) or the field that keeps it, where nothing else says the pass's kind: a
            spend's ``Redemption.method`` is then that kind's verb (Livepasses: money, in
            ``accountBalance``, is a gift card's, spent at ``giftcard/redeem``; points, in
            ``currentPoints``, a loyalty card's, at ``loyalty/transact``; its provider learns
            the same from the template's type, which the profile cannot see). ``None``: the
            method of a pass of no known kind (``redeem_method(None, ...)``).
        template_is_type: the vendor's template ids are its pass types (LivePass:
            ``membership-card``, ``reservation``, ``appointment``), so the profile, which cannot
            see a dashboard, still knows each pass's type: a pass reads back as the kind of its
            template (``kinds.kind_of(template)``), whatever kind its create asked for or left out.
        expiry_field: the template field whose date or time expires the pass once passed, where
            the vendor keeps the expiry in a field (Livepasses: ``validUntil``, vendor notes
            3.6); ``None``: only ``expires_at``.
        meta_of: the vendor's ``IssuedPass.meta`` of a pass in an answer, from the pass as
            answered (its balance, status and kind as the vendor reports them) and
            :class:`MetaFacts`: the keys the vendor's provider reports there (its
            ``meta_keys``), with the values the vendor would give, or made up in the vendor's
            form where the vendor makes them up (a batch id, a timestamp). A value only the
            vendor's dashboard knows (a template's name) is left out. The profile's refusals of a
            pass's state carry ``details["vendor_status"]`` from it where it has that key, as the
            core's :func:`walletpass.redemption.refuse_unredeemable` does for a provider.
            ``None``: the fake's own meta (``last_message``, ``notified``).
        dashboard_templates: what the vendor's dashboard shows of each template, from the
            dashboard as the vendor's emulator is seeded with it (its provider page lists the
            options: PassEntry's and Livepasses' ``templates``, Pass2U's ``models``): template id
            -> facts (``MetaFacts.template``: a template's ``name``, a Pass2U model's field
            ``labels``), so a profile given the same dashboard (the fake's ``dashboard``
            setting) reports the meta only a dashboard knows, and where the facts have
            ``fields`` (the field keys a pass of the template may set: PassEntry's field ids,
            a Pass2U model's Dynamic fields) refuses a field the template lacks with
            ``ValidationError``, as the vendor does, and where they have ``kind`` (a kind of
            the template's type, whose rules the vendor's provider applies once its read of a
            pass told it the type: a Pass2U model's style, a Livepasses template's type) vets
            an update or a redemption's options of a pass created without a kind by that kind,
            as the provider does after its read; ``None``: the vendor's dashboard adds nothing
            a profile reports.
        verb_in_refusals: the refusal of ``redeem(id, amount=...)`` on a pass whose kind has no
            balance names, in ``details["verb"]``, the vendor's verb for that kind
            (``redeem_method``; Livepasses: ``check-in`` on a ticket).
        update_names: field keys an update writes a value under that the vendor keeps under
            another key (Livepasses: ``updatedFields.points`` is the pass's ``currentPoints``,
            the SDK's update example, livepasses.md 3.6): the profile keeps the value under
            that key too, and such a key holds a balance (``balance_fields``) in an update's
            answer only. A write of a balance key replaces the pass's balance, as the vendor
            keeps one. ``None``: an update's keys are the create's.
        balance_in_fields: the template fields the vendor's answer (``MetaFacts.answer``) also
            reports a pass's balance in, from the balance and :class:`MetaFacts` (LivePass:
            ``balance_amount`` in every answer; Livepasses: the businessData key its create or
            its update wrote the balance to, ``currentPoints``, ``points`` or
            ``accountBalance``); ``{}`` where the answer has none. Added to the answer's fields
            unless the pass keeps its balance in a field already (``balance_fields``); a read
            that cannot return fields (``unread_on_get``) still leaves them out. ``None``: the
            balance is reported as ``IssuedPass.balance`` alone.
        attributes_in_fields: the template fields the vendor's answer also reports the pass's
            other attributes in (LivePass: a tier, an event, a location, under the keys its
            write sends them as), from :class:`MetaFacts` (``kept.raw``: the pass as sent);
            added to the answer's fields, a field the pass was given under the same key
            winning. ``None``: the attributes are in no answer's fields.
        updated_once_changed: the vendor tells a pass's ``updated_at`` (where ``bookkeeping``
            says an answer tells it) only once the pass changed after its creation (an update,
            a redeem): before, it is ``None`` (Livepasses' list rows: ``"updatedAt": null``,
            livepasses.md 3.3).
        holder_name_whole: the answers (:data:`ANSWERS`) that report the holder's name as the
            one text the vendor keeps (``Holder.display_name``: LivePass's ``full_name`` in
            every answer, Livepasses' ``holderName`` in its lookup, which its get, list and an
            update's read-back answer), its ``first_name`` and ``last_name`` left out; the
            others report the parts as given.
        whole_name: that one text, from the holder as written (Livepasses: its
            ``customer.firstName`` and ``lastName`` joined, as ``Holder.split_name`` sends
            them); ``None``: ``Holder.display_name`` (its ``name``, else the parts joined).
        listed_alike: per status a ``list(status=...)`` filter names, the statuses of the
            passes the vendor lists for it, where one vendor filter value stands for several
            (Livepasses: ``issued`` and ``active`` both list as ``Active``). ``None``: a
            filter lists the passes in that status alone.
        field_values: the template field values as the vendor keeps them, from the fields a
            write gives (LivePass: its text forms, ``3`` as ``"3"``, a date as it renders it;
            its balance_amount a number), which every answer then reports. ``None``: their
            JSON forms (a number stays a number, a decimal is its text).
        attribute_field_keys: per neutral attribute (``event``, ``tier``, ``holder``...), the
            template field keys the vendor writes it to, in one field set with the pass's own
            fields (LivePass: ``title``, ``date``... for an event): an update that sets or clears
            the attribute writes all of its keys, so an own field written earlier under one of
            them is gone, the last write winning (a field the same update gives is written
            after the attributes, and stays). ``None``: fields and attributes are kept apart.
        balance_write_refusal: the vendor's words refusing an update that writes a balance to a
            pass of a kind it keeps none for (``balance_kinds``, judged by the vendor type the
            kind is issued as: PassEntry's loyalty endpoint serves store cards only); a
            ``ValidationError`` on ``balance``, nothing written. A create with such a balance
            is refused alike, after the pass was made: it is left deleted, as the vendor's
            provider deletes a new pass whose balance write failed. ``None``: the vendor takes the
            write (Livepasses keeps it among the fields, ``balance_in_fields``). Either way a
            spend from such a pass finds no balance.
        balance_read: the balance the vendor's provider reads from the fields an answer
            reports it in (``balance_in_fields``), of a pass of the kind given (Livepasses
            reads points without a currency, though ``currency='points'`` chose them); the
            answer reports that balance. ``None``: the balance as it was given.
    """

    __slots__ = ()

    if not TYPE_CHECKING:  # the type checker sees _Facts' constructor, field by field

        def __new__(cls, *args, **kwargs):
            behaviour = super().__new__(cls, *args, **kwargs)
            behaviour._check()
            return behaviour

        def _replace(self, **changes):
            # NamedTuple's own _replace skips __new__, and with it the checks.
            return type(self)(**{**self._asdict(), **changes})

    def _check(self) -> None:
        unknown = set(self.unread_on_get) - READABLE_PARTS
        if unknown:
            raise ValueError(f"unread_on_get: unknown parts {sorted(unknown)}")
        if not self.redeemed_status.is_final:
            raise ValueError("redeemed_status must be a final status")
        if stray := set(self.holder_name_whole) - ANSWERS:
            raise ValueError(f"holder_name_whole: unknown answers {sorted(stray)}")
        if stray := set(self.kind_answered_by) - ANSWERS:
            raise ValueError(f"kind_answered_by: unknown answers {sorted(stray)}")
        if self.url_forms is not None:
            if stray := set(self.url_forms) - ANSWERS:
                raise ValueError(f"url_forms: unknown answers {sorted(stray)}")
            for forms in self.url_forms.values():
                PassUrls(**dict.fromkeys(forms, ""))  # a name PassUrls does not have: refused
        if self.bookkeeping is not None:
            if stray := set(self.bookkeeping) - ANSWERS:
                raise ValueError(f"bookkeeping: unknown answers {sorted(stray)}")
            for told in self.bookkeeping.values():
                if stray := set(told) - BOOKKEEPING:
                    raise ValueError(f"bookkeeping: unknown attributes {sorted(stray)}")

    def urls(self, vendor_id: str, answer: str) -> PassUrls:
        """The urls the vendor's ``answer`` (:data:`ANSWERS`) reports for pass ``vendor_id``
        (``url_forms``), on the profile's host."""
        forms = (self.url_forms or {}).get(answer, {})
        token = _token(vendor_id)
        return PassUrls(
            **{
                name: PROFILE_URL_BASE + form.format(vendor_id=vendor_id, token=token)
                for name, form in forms.items()
            }
        )

    def method(self, kind: PassKind | None, *, spent: bool) -> str:
        """``Redemption.method`` of a redemption of a pass of ``kind`` (``spent``: an amount)."""
        if self.redeem_method is not None:
            return self.redeem_method(kind, spent)
        return "spend" if spent else "redeem"

    def uses_allowed(self, fields: Mapping[str, Any]) -> int:
        """How many times ``redeem(id)`` uses a pass of a ``counted_uses`` kind with ``fields``
        (``uses_field``; 1 without it). A count of 0 is taken as 1, as the vendor's own
        default (the emulator's reading: the docs give no range)."""
        value = fields.get(self.uses_field) if self.uses_field else None
        if isinstance(value, bool) or not isinstance(value, int | str):
            return 1
        try:
            return int(value) or 1
        except ValueError:
            return 1

    def fraction_refusal(self, amount: Decimal) -> str | None:
        """The vendor's refusal of spending ``amount`` from a whole-point balance, if it is a
        fraction and the vendor refuses fractions (see ``whole_spend_kinds`` for which passes)."""
        if self.fractional_spend is None or amount == amount.to_integral_value():
            return None
        return self.fractional_spend.format(amount=amount)

    def balance_field(self, fields: Mapping[str, Any], *, update: bool = False) -> str | None:
        """The field of ``fields`` that holds the balance, if any; ``update``: ``fields`` as an
        update wrote them, where a key of ``update_names`` is a balance key too (elsewhere it
        is an ordinary field: a Livepasses create's ``points`` is no balance)."""
        names = self.update_names or {}
        return next(
            (key for key in self.balance_fields if key in fields and (update or key not in names)),
            None,
        )

    def written_balance(self, fields: Mapping[str, Any]) -> Decimal | None:
        """The balance an update writing ``fields`` sets through a balance key, if it does
        (the vendor keeps one balance: the last one written is the one a spend takes from)."""
        key = self.balance_field(fields, update=True)
        return None if key is None else _amount(fields[key])

    def kept_fields(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """``fields`` as an update wrote them, each value also under the key the vendor keeps it
        under (``update_names``), unless the update wrote that key itself."""
        kept = dict(fields)
        for name, key in (self.update_names or {}).items():
            if name in fields and key not in fields:
                kept[key] = fields[name]
        return kept

    def reported_kind(self, kind: PassKind | None, answer: str) -> PassKind | None:
        """The kind the vendor's ``answer`` (one of :data:`ANSWERS`) reports for a pass whose
        template (without an alias kind) was asked to be of ``kind``."""
        if answer not in self.kind_answered_by:
            return None
        if self.kinds is None or kind is None:
            return kind
        return self.kinds.kind_of(self.kinds.get(kind))

    def answer(
        self,
        issued: IssuedPass,
        *,
        read: bool,
        balance_aliased: bool = False,
        created: bool = False,
        listed: bool = False,
        kind_aliased: bool = False,
        barcode_stated: bool = False,
        change: PassUpdate | None = None,
    ) -> IssuedPass:
        """``issued`` as the vendor would answer it (``read``: to a ``get()`` or, ``listed``, a
        ``list()``; ``balance_aliased``: the pass's template alias names a ``balance_field``;
        ``created``: to the create that issued it, else to an update; ``kind_aliased``: its
        template alias declares the kind; ``barcode_stated``: its barcode format; ``change``: the
        update answered, for ``meta_of``)."""
        update: dict[str, Any] = {}
        barcode = issued.barcode
        if not (read or self.barcode_format_in_writes or barcode_stated) and barcode is not None:
            update["barcode"] = barcode.model_copy(update={"format": None})
        answer = ("list" if listed else "get") if read else "create" if created else "update"
        if self.bookkeeping is not None:
            told = self.bookkeeping.get(answer, frozenset())
            for part in sorted(BOOKKEEPING - told):
                if getattr(issued, part) is not None:
                    update[part] = None
            # (the fake stamps a new pass's updated_at with its creation time)
            if self.updated_once_changed and issued.updated_at == issued.created_at:
                update["updated_at"] = None
        if self.url_forms is not None:
            update["urls"] = self.urls(issued.vendor_id, answer)
        if not kind_aliased:
            kind = self.reported_kind(issued.kind, answer)
            if self.template_is_type and self.kinds is not None and answer in self.kind_answered_by:
                kind = self.kinds.kind_of(issued.template)
            if kind is not issued.kind:
                update["kind"] = kind
        fields = issued.fields
        if created and self.created_fields is not None:
            fields = {key: value for key, value in fields.items() if key in self.created_fields}
            update["fields"] = fields
        if self.attributes_in_fields is not None:
            written = self.attributes_in_fields(MetaFacts(answer, issued, change))
            if written:
                fields = {**written, **fields}
                update["fields"] = fields
        if self.text_values:
            fields = {key: _as_text(value) for key, value in fields.items()}
            update["fields"] = fields
        key = self.balance_field(issued.fields, update=not (read or created))
        if key is None and issued.balance is not None and self.balance_in_fields is not None:
            echoed = self.balance_in_fields(issued.balance, MetaFacts(answer, issued, change))
            if echoed:
                fields = {**fields, **echoed}
                update["fields"] = fields
                if self.balance_read is not None:
                    update["balance"] = self.balance_read(echoed, issued.kind)
        if key is not None and issued.balance is None:
            amount = _amount(issued.fields[key])
            if amount is not None:
                update["balance"] = Balance(amount=amount)
        holder = issued.holder
        if (
            answer in self.holder_name_whole
            and holder is not None
            and (holder.first_name is not None or holder.last_name is not None)
        ):
            name = holder.display_name if self.whole_name is None else self.whole_name(holder)
            update["holder"] = holder.model_copy(
                update={"name": name, "first_name": None, "last_name": None}
            )
        if read:
            holder_parts: dict[str, None] = {}
            for part in self.unread_on_get:
                if part == "balance" and balance_aliased and self.balance_read_when_aliased:
                    continue
                if part.startswith("holder."):
                    holder_parts[part.split(".", 1)[1]] = None
                else:
                    update[part] = (
                        {} if part == "fields" else PassUrls() if part == "urls" else None
                    )
            if holder_parts and issued.holder is not None:
                update["holder"] = update.get("holder", issued.holder).model_copy(
                    update=holder_parts
                )
        answered = issued.model_copy(update=update) if update else issued
        if self.meta_of is None:
            return answered
        facts = MetaFacts(answer, issued, change, balance_aliased=balance_aliased)
        meta = dict(self.meta_of(answered, facts))
        return answered.model_copy(update={"meta": meta})

    def state_details(self, issued: IssuedPass) -> dict[str, Any] | None:
        """The ``details`` of a refusal of ``issued``'s state (used up, expired, deleted): the
        vendor's own word for it, where its meta has one (``meta_of``: ``vendor_status``)."""
        if self.meta_of is None:
            return None
        word = self.meta_of(issued, MetaFacts("get", issued)).get("vendor_status")
        return {"vendor_status": word} if isinstance(word, str) and word else None

    def verb_details(self, kind: PassKind | None) -> dict[str, Any] | None:
        """The ``details`` of a refusal of an amount on a pass of ``kind`` without a balance."""
        if not self.verb_in_refusals or kind is None:
            return None
        return {"verb": self.method(kind, spent=True)}


def _token(vendor_id: str) -> str:
    """The profile's stand-in for a token the vendor makes for a pass: stable per pass."""
    digest = hashlib.sha256(vendor_id.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:16]


def _as_text(value: Any) -> Any:
    if value is None or isinstance(value, str | dict | list):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None
