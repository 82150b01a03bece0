"""Livepasses' generation batches, in one place: the generate calls of a bulk run, the
asynchronous batches they become and the polling that follows them (plans: the core's loop
sends and waits), and which generated pass belongs to which recipient.

Polls are spaced by :class:`walletpass.polling.PollSchedule` (``Now``/``Wait`` steps), until
every batch is complete or ``batch_timeout`` has passed; a batch still running then leaves its
recipients' outcomes unknown, never guessed.

Matching lines to recipients:

A generate answer (``passes[]``) and a batch status (``generatedPasses[]``) list passes without
saying which input recipient each one is. The SDK just hands the list over; walletpass must put
every outcome at its input's position, so it matches explicitly and refuses to guess:

* when the answer lists one line per settled recipient, lines are taken in order, but only if each
  line agrees with its recipient's email and confirmation code wherever both are known;
* otherwise lines are matched by confirmation code, then by an email that is unique on both sides;
  a recipient left without a line is reported, never given someone else's pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from walletpass.errors import BusinessRuleError, ProviderUnavailable, WalletPassError
from walletpass.model import IssuedPass, Pass
from walletpass.plans import Now, Plan, Send, Wait, report
from walletpass.polling import PollSchedule
from walletpass.transport import VendorResponse
from walletpass_livepasses import limits, payloads
from walletpass_livepasses.records import BatchPass, BatchStatus

if TYPE_CHECKING:
    from walletpass.batch_report import BatchReport
    from walletpass_livepasses.provider import LivepassesProvider

__all__ = [
    "Job",
    "create_batch",
    "follow",
    "followed",
    "match_lines",
    "match_one",
    "read_generation",
    "recipient_key",
    "settle_sync",
]


def _agrees(key: BatchPass, line: BatchPass) -> bool:
    return _agrees_with(key.email, key.confirmation_code, line)


def _agrees_with(email: str | None, code: str | None, line: BatchPass) -> bool:
    """Whether ``line`` agrees with the recipient's ``email`` (compared case-folded) and
    confirmation ``code`` wherever both sides know them (an unknown one agrees with anything)."""
    # (each comparison written out, not a helper called twice: every create matches one line)
    line_email = line.email
    if email is not None and line_email is not None and email.casefold() != line_email.casefold():
        return False
    line_code = line.confirmation_code
    return code is None or line_code is None or code == line_code


def match_lines(
    keys: Sequence[BatchPass], lines: Sequence[BatchPass], *, in_order: bool
) -> list[BatchPass | None]:
    """One line (or ``None``) per recipient, from ``keys``, the lines we expect (each with the
    email and confirmation code we sent, and no id yet: :func:`recipient_key`).

    ``in_order``: the answer lists every settled recipient, failures included, in input order
    (then the first ``len(lines)`` recipients are the settled ones).
    """
    if in_order and len(lines) <= len(keys) and all(map(_agrees, keys, lines)):
        return [*lines, *([None] * (len(keys) - len(lines)))]
    matched: list[BatchPass | None] = [None] * len(keys)
    used: set[int] = set()

    def unique(values: list[str | None], value: str) -> bool:
        return sum(1 for v in values if v is not None and v == value) == 1

    line_codes = [line.confirmation_code for line in lines]
    for index, key in enumerate(keys):
        code = key.confirmation_code
        if code is None or not unique(line_codes, code):
            continue
        at = line_codes.index(code)
        if at not in used and _agrees(key, lines[at]):
            matched[index] = lines[at]
            used.add(at)
    key_emails = [k.email.casefold() if k.email else None for k in keys]
    line_emails = [line.email.casefold() if line.email else None for line in lines]
    for index, email in enumerate(key_emails):
        if matched[index] is not None or email is None:
            continue
        if not unique(key_emails, email) or not unique(line_emails, email):
            continue
        at = line_emails.index(email)
        if at not in used and _agrees(keys[index], lines[at]):
            matched[index] = lines[at]
            used.add(at)
    return matched


@dataclass
class Job:
    """One generate call of a bulk run that Livepasses turned into an asynchronous batch."""

    batch_id: str
    positions: list[int]
    passes: list[Pass]
    keys: list[BatchPass]
    status: BatchStatus | None = None
    settled: bool = False
    outcomes: dict[int, IssuedPass | WalletPassError] = field(default_factory=dict)


def recipient_key(new_pass: Pass) -> BatchPass:
    """The batch line we expect for ``new_pass``: what identifies a recipient in an answer (the
    email and the confirmation code we sent), and no pass id yet."""
    email, code = _identifiers(new_pass)
    return BatchPass(None, email=email, confirmation_code=code)


def _identifiers(new_pass: Pass) -> tuple[str | None, str | None]:
    """The email and the confirmation code that identify ``new_pass``'s line in an answer."""
    holder = new_pass.holder
    code = new_pass.external_id or _text_field(new_pass, "confirmationCode")
    return (holder.email if holder else None), code


def _text_field(new_pass: Pass, key: str) -> str | None:
    value = (new_pass.fields or {}).get(key)
    if value is None or type(value) is str:  # (no such field, or text: itself)
        return value
    value = getattr(value, "value", value)
    return value if isinstance(value, str) else None


def match_one(new_pass: Pass, lines: Sequence[BatchPass]) -> list[BatchPass | None]:
    """:func:`match_lines` of the one recipient ``new_pass`` against an in-order answer: its
    one line where that line agrees with it (a create's generate answer), without building
    the recipient's key (the general match's answer, proven equal in the tests)."""
    if len(lines) != 1:
        return match_lines([recipient_key(new_pass)], lines, in_order=True)
    return [lines[0] if _agrees_with(*_identifiers(new_pass), lines[0]) else None]


def batch_id_of(data: Mapping[str, Any]) -> str:
    operation = data.get("batchOperation")
    batch_id = operation.get("id") if isinstance(operation, Mapping) else None
    batch_id = batch_id or data.get("batchId")
    if not isinstance(batch_id, str) or not batch_id:
        raise ValueError("an asynchronous generation answer names no batch")
    # The id goes into every status poll's path: one that cannot be a path segment ('..', '/')
    # is refused at the answer, not sent to another endpoint.
    problem = limits.id_problem(batch_id)
    if problem is not None:
        raise ValueError(f"the answer's batch id {problem}")
    return batch_id


def data_object(data: Any) -> Mapping[str, Any]:
    if type(data) is not dict and not isinstance(data, Mapping):  # (JSON's: no ABC check)
        raise ValueError("the answer's data is not an object")
    return data


def create_batch(
    lp: LivepassesProvider,
    passes: Sequence[Pass],
    report: BatchReport,
) -> Plan[list[IssuedPass | WalletPassError]]:
    """One generate call per group of passes that can share one; batches followed together.

    ``report``: progress after each round of batch status polls; each asynchronous batch
    reported accepted (its positions and batch id) as soon as Livepasses answers with it, so a
    journal can follow that batch after a crash (:meth:`follow_batch`).
    """
    groups: dict[tuple[str, str], list[int]] = {}
    for index, new_pass in enumerate(passes):
        groups.setdefault(payloads.group_key(new_pass), []).append(index)
    outcomes: dict[int, IssuedPass | WalletPassError] = {}
    jobs: list[Job] = []
    for positions in groups.values():
        members = [passes[i] for i in positions]
        try:
            response = yield Send(lp.build_generate(members), "create_many")
        except WalletPassError as exc:
            outcomes.update(dict.fromkeys(positions, exc))
            continue
        read = read_generation(lp, response, positions, members, "create_many")
        if isinstance(read, Job):
            jobs.append(read)
            yield from report.accepted(positions, read.batch_id)
        else:
            outcomes.update(zip(positions, read, strict=True))
    if jobs:
        done_sync = len(outcomes)
        yield from follow(
            lp,
            jobs,
            report.on_progress,
            total=len(passes),
            already_done=done_sync,
            operation="create_many",
        )
        for job in jobs:
            outcomes.update(job.outcomes)
    return [outcomes[i] for i in range(len(passes))]


def read_generation(
    lp: LivepassesProvider,
    response: VendorResponse,
    positions: list[int],
    members: list[Pass],
    operation: str,
) -> list[IssuedPass | WalletPassError] | Job:
    """Outcomes of a synchronous generate answer, or the batch job of an asynchronous one."""
    try:
        read = lp.parse(_generation, response, lp, members, operation)
    except WalletPassError as exc:
        return [exc] * len(members)
    if isinstance(read, list):
        return read
    return Job(read, positions, members, [recipient_key(p) for p in members])


def _generation(
    response: VendorResponse, lp: LivepassesProvider, members: list[Pass], operation: str
) -> list[IssuedPass | WalletPassError] | str:
    """A generate answer's outcomes (synchronous), or its batch id (asynchronous): one parse
    step, so anything walletpass cannot read in either is ``InvalidResponse``."""
    data = data_object(lp.data_of(response, operation))
    if not data.get("isAsyncProcessing"):
        return settle_sync(lp, data, members)
    return batch_id_of(data)


def settle_sync(
    lp: LivepassesProvider, data: Mapping[str, Any], members: Sequence[Pass]
) -> list[IssuedPass | WalletPassError]:
    passes = data.get("passes")
    if len(members) == 1 and type(passes) is list and len(passes) == 1:
        entry = passes[0]
        if type(entry) is dict:
            # (a create's answer: its one line read into its one outcome, with no list of
            # entries, of lines and of matches made for it: the general reading's outcome)
            line = payloads.batch_pass_from(entry)
            new_pass = members[0]
            agrees = _agrees_with(*_identifiers(new_pass), line)
            return [_outcome(lp, data, new_pass, line if agrees else None, entry)]
    # (type(e) is dict first: every entry of a JSON answer, without the ABC's slower check)
    entries = [e for e in passes or () if type(e) is dict or isinstance(e, Mapping)]
    lines = [payloads.batch_pass_from(e) for e in entries]
    if len(members) == 1:
        matched = match_one(members[0], lines)
    else:
        matched = match_lines([recipient_key(p) for p in members], lines, in_order=True)
    # (one line: whatever is matched is it, and its entry the one entry, with no map from
    # lines to entries made)
    entry_of = (
        {id(line): entry for line, entry in zip(lines, entries, strict=True)}
        if len(lines) > 1
        else {}
    )
    return [
        _outcome(
            lp,
            data,
            new_pass,
            line,
            None if line is None else entry_of[id(line)] if entry_of else entries[0],
        )
        for new_pass, line in zip(members, matched, strict=True)
    ]


def _outcome(
    lp: LivepassesProvider,
    data: Mapping[str, Any],
    new_pass: Pass,
    line: BatchPass | None,
    entry: Mapping[str, Any] | None,
) -> IssuedPass | WalletPassError:
    """The outcome of ``new_pass`` from its matched ``line`` (``None``: no line is its) of a
    synchronous generate answer ``data``, and that line's ``entry``."""
    batch_id = data.get("batchId")
    if line is None or entry is None or (line.pass_id is None and not line.failed):
        return ProviderUnavailable(
            f"Livepasses' answer (batch {batch_id}) has no pass id for this recipient",
            provider=lp.name,
            operation="create",
            outcome_unknown=True,
        )
    if line.failed:
        return recipient_error(lp, line, batch_id)
    return payloads.issued_from_generated(
        entry,
        provider=lp.name,
        template=new_pass.template,
        # The answer names no type (the template's decides): the template alias's kind
        # (the core fills it in) or none, as get() reports, never the kind asked for.
        kind=None,
        holder=new_pass.holder,
        batch_id=str(batch_id) if batch_id else None,
        generated_at=data.get("generatedAt"),
    )


def recipient_error(lp: LivepassesProvider, line: BatchPass, batch_id: Any) -> WalletPassError:
    message = line.error_message or "Livepasses could not generate this pass"
    return lp.error_from_code(line.error_code, f"{message} (batch {batch_id})", "create")


def follow(
    lp: LivepassesProvider,
    jobs: list[Job],
    on_progress: Callable[[int, int], None] | None,
    *,
    total: int,
    already_done: int,
    operation: str,
) -> Plan[None]:
    """Poll every job's batch until all are complete or ``batch_timeout`` has passed.

    Polls are spaced by :class:`PollSchedule`: quickly at first, then as the batch's own
    progress predicts its end, never further apart than ``poll_interval`` — a batch is
    noticed finished within moments instead of up to a whole fixed interval late.
    """
    started = yield Now()
    deadline = started + lp.settings.batch_timeout
    schedule = PollSchedule(lp.settings.poll_interval, started)
    while True:
        for job in jobs:
            if job.settled:
                continue
            try:
                job.status = yield from lp._batch_status(job.batch_id, operation)
            except WalletPassError as exc:
                exc.outcome_unknown = True  # the batch may still generate these passes
                job.outcomes = dict.fromkeys(job.positions, exc)
                job.settled = True
                continue
            if job.status.is_completed:
                settle_job(lp, job, complete=True)
        if on_progress is not None:
            done = already_done + sum(
                len(j.positions) if j.settled else (j.status.done if j.status else 0) for j in jobs
            )
            # The batches were sent: a failing callback leaves their passes' outcome unknown.
            yield from report(on_progress, min(done, total), total, name="on_progress", acted=True)
        if all(job.settled for job in jobs):
            return
        pending = [
            (j.status.done, j.status.total) if j.status else (0, len(j.positions))
            for j in jobs
            if not j.settled
        ]
        now = yield Now()
        pause = schedule.next_pause(pending, now)
        if now + pause > deadline:
            for job in jobs:
                if not job.settled:
                    settle_job(lp, job, complete=False)
            return
        yield Wait(pause)


def settle_job(lp: LivepassesProvider, job: Job, *, complete: bool) -> None:
    status = job.status
    lines = list(status.passes) if status else []
    in_order = status is not None and len(lines) == status.done
    matched = match_lines(job.keys, lines, in_order=in_order)
    unmatched = [i for i, line in enumerate(matched) if line is None]
    listed_failures = sum(1 for line in lines if line.failed)
    silent_failures = (status.failed - listed_failures) if status else 0
    for position, new_pass, line in zip(job.positions, job.passes, matched, strict=True):
        if line is not None and line.failed:
            job.outcomes[position] = recipient_error(lp, line, job.batch_id)
        elif line is not None and line.pass_id is None:
            job.outcomes[position] = unknown(lp, job, "its batch status line has no passId")
        elif line is not None:
            job.outcomes[position] = payloads.issued_from_summary(
                line,
                provider=lp.name,
                template=new_pass.template,
                # The answer names no type (the template's decides): the template alias's kind
                # (the core fills it in) or none, as get() reports, never the kind asked for.
                kind=None,
                holder=new_pass.holder,
                batch_id=job.batch_id,
            )
        elif complete and len(unmatched) == silent_failures:
            job.outcomes[position] = BusinessRuleError(
                f"Livepasses did not generate this pass (batch {job.batch_id} reports "
                f"{status.failed if status else 0} failure(s) without saying whose)",
                provider=lp.name,
                operation="create",
            )
        elif complete:
            job.outcomes[position] = unknown(
                lp, job, "the batch status does not tell which pass is this recipient's"
            )
        else:
            job.outcomes[position] = unknown(
                lp,
                job,
                f"the batch was still processing after {lp.settings.batch_timeout:g}s; "
                f"follow it with get_batch_status({job.batch_id!r})",
            )
    job.settled = True


def unknown(lp: LivepassesProvider, job: Job, why: str) -> WalletPassError:
    return ProviderUnavailable(
        f"batch {job.batch_id}: {why}",
        provider=lp.name,
        operation="create",
        outcome_unknown=True,
        details={"batch_id": job.batch_id},
    )


def followed(lp: LivepassesProvider, job: Job) -> Plan[list[IssuedPass | WalletPassError]]:
    yield from follow(
        lp, [job], None, total=len(job.passes), already_done=0, operation="create_many"
    )
    return [job.outcomes[i] for i in range(len(job.passes))]
