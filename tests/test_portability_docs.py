"""One answer to "is this step native, emulated or refused on that vendor?", wherever the docs say.

Three places say it: the "Portable applications" table of docs/concepts.md (one column per
provider), each vendor page's "The round trip, step by step" table (docs/providers/), and the
capability declarations the matrix is generated from (``scripts/render-matrix``). The two tables
are written by hand, so this test reads both and holds them to each other and to the
declarations: a step has the same support on both tables; a step whose operation the vendor
declares NONE is refused; a step said native is done by an operation declared NATIVE (one that
walletpass composes from other calls, EMULATED, cannot make a native step).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from walletpass.capabilities import Support
from walletpass.registry import load_provider_class

DOCS = Path(__file__).resolve().parent.parent / "docs"
VENDORS = ("passentry", "pass2u", "livepasses", "livepass")

#: Each step of the scenario: how a vendor page's step cell begins, and the operation that does it
#: (the declaration its support is held to).
STEPS: dict[str, tuple[str, str]] = {
    "enrol a member": ("enrol a member", "create"),
    "read the card": ("read the card", "get"),
    "top up": ("top the points up", "update"),
    "enrol several": ("enrol several", "create_many"),
    "list cards": ("list the cards", "list"),
    "issue a ticket": ("issue a ticket", "create"),
    "scan it": ("scan it", "redeem"),
    "scan again": ("scan again", "redeem"),
    "read the ticket": ("read the ticket", "get"),
    "spend points": ("spend points", "redeem"),
    "use the card": ("use the card", "redeem"),
    "delete the ticket": ("delete the ticket", "delete"),
    "after delete": ("after delete", "delete"),
}

SUPPORT = re.compile(r"^\W*(native|emulated|refused)\b", re.IGNORECASE)


def _rows(text: str, header: str) -> list[list[str]]:
    """The rows of the Markdown table whose header line starts with ``header``."""
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows


def _support(cell: str) -> str | None:
    """``native``, ``emulated`` or ``refused`` as a cell begins; ``None``: not reached (—)."""
    if cell.startswith("—"):
        return None
    found = SUPPORT.match(cell)
    assert found, f"a support cell must begin with native, emulated, refused or —: {cell!r}"
    return found.group(1).lower()


def _step(cell: str) -> str:
    """The step a concepts.md row is about."""
    for step in STEPS:
        if cell.startswith(step):
            return step
    raise AssertionError(f"docs/concepts.md: a step this test does not know: {cell!r}")


def concepts_table() -> dict[tuple[str, str], str | None]:
    """(provider, step) -> support, from docs/concepts.md's "Portable applications" table."""
    text = (DOCS / "concepts.md").read_text(encoding="utf-8")
    header = "| Step (the call) |"
    columns = [
        cell.strip().lower()
        for cell in next(line for line in text.splitlines() if line.startswith(header))
        .strip()
        .strip("|")
        .split(" | ")[1:]
    ]
    table = {}
    for cells in _rows(text, header):
        step = _step(cells[0])
        for provider, cell in zip(columns, cells[1:], strict=True):
            table[provider, step] = _support(cell)
    return table


def vendor_page_table(vendor: str) -> dict[str, str | None]:
    """step -> support, from the vendor page's "The round trip, step by step" table (a row may
    name several steps, comma-separated)."""
    text = (DOCS / "providers" / f"{vendor}.md").read_text(encoding="utf-8")
    section = text[text.index("## The round trip, step by step") :]
    table = {}
    for cells in _rows(section, "| Step | Support |"):
        named = cells[0].split("(")[0]
        steps = [
            step
            for step, (begins, _) in STEPS.items()
            if any(part.strip().startswith(begins) for part in named.split(","))
        ]
        assert steps, f"docs/providers/{vendor}.md: a step this test does not know: {cells[0]!r}"
        for step in steps:
            table[step] = _support(cells[1])
    return table


CONCEPTS = concepts_table()


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_vendor_page_and_concepts_say_the_same_support(vendor: str) -> None:
    page = vendor_page_table(vendor)
    assert page, f"docs/providers/{vendor}.md has no round-trip steps"
    differ = {
        step: {"concepts.md": CONCEPTS[vendor, step], f"{vendor}.md": support}
        for step, support in page.items()
        if CONCEPTS.get((vendor, step), support) != support
    }
    assert not differ


@pytest.mark.parametrize("provider", ["fake", *VENDORS])
def test_the_tables_follow_the_declarations(provider: str) -> None:
    """Refused where the operation is declared NONE; native only where it is declared NATIVE."""
    declared = load_provider_class(provider).capabilities
    said = {step: CONCEPTS[provider, step] for step in STEPS if (provider, step) in CONCEPTS}
    if provider != "fake":
        said.update({f"{step} (page)": s for step, s in vendor_page_table(provider).items()})
    wrong = {}
    for step, support in said.items():
        operation = STEPS[step.removesuffix(" (page)")][1]
        level = declared[operation].support
        if support is None:
            continue
        if level is Support.NONE and support != "refused":
            wrong[step] = f"{support}, but {operation} is declared NONE"
        if support == "native" and level is not Support.NATIVE:
            wrong[step] = f"native, but {operation} is declared {level.value.upper()}"
    assert not wrong


def test_every_step_of_the_concepts_table_is_read() -> None:
    """The test reads a row for every step and a column for every provider (nothing skipped)."""
    assert {step for _, step in CONCEPTS} == set(STEPS)
    assert {provider for provider, _ in CONCEPTS} == {"fake", *VENDORS}
