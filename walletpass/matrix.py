"""The capability matrix, rendered from the providers' own declarations.

``walletpass capabilities``, the documentation's matrix page and the README table all come from
here, so what the documentation promises is what the code enforces: nothing is typed by hand.
Renderers take :class:`ProviderMatrix` snapshots (built from provider classes without any network
call) and are pure, which keeps the committed documents reproducible byte for byte.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from walletpass.capabilities import UNDECLARED, Capabilities, Capability, Declaration, Support
from walletpass.errors import FieldProblem, ValidationError
from walletpass.provider import Provider

__all__ = [
    "GROUPS",
    "MatrixRow",
    "ProviderMatrix",
    "declaration_data",
    "markdown_cell",
    "matrix_data",
    "render",
    "render_csv",
    "render_json",
    "render_markdown",
    "render_overview_markdown",
    "render_text",
    "text_table",
]

#: Row groups, in the order tables show them.
VENDOR_GROUP = "vendor-only operations"
GROUPS: tuple[str, ...] = (
    "operations",
    "pass kinds",
    "fields",
    "updates",
    "events",
    VENDOR_GROUP,
)

FORMATS = ("table", "md", "json", "csv")

_NEUTRAL = frozenset(c.value for c in Capability)

LEGEND = (
    "**native**: the vendor's API does it. "
    "**emulated**: walletpass does it with other vendor calls; the note says how. "
    "**—** (none): refused before any request with `UnsupportedOperation` or "
    "`UnsupportedFeature` (strict) or dropped with a warning (lenient); the note names the "
    "alternative. **max N**: the most items the vendor takes. "
    "**\\***: the entry rests on wire details the vendor's documentation does not show "
    "(*inferred*, listed in the provider's table). "
    "Anything a provider does not declare is none."
)

#: The mark of an entry that rests on inference, in every rendering.
INFERRED_MARK = "*"


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """One capability of one provider, as tables show it."""

    key: str
    group: str
    declaration: Declaration
    declared: bool


@dataclass(frozen=True, slots=True)
class ProviderMatrix:
    """What one provider declares, plus where it comes from."""

    name: str
    capabilities: Capabilities
    summary: str = ""
    package: str | None = None
    version: str | None = None
    extra_operations: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        provider_cls: type[Provider],
        *,
        package: str | None = None,
        version: str | None = None,
    ) -> ProviderMatrix:
        return cls(
            name=provider_cls.name,
            capabilities=provider_cls.capabilities,
            summary=provider_cls.summary,
            package=package,
            version=version,
            extra_operations=tuple(provider_cls.extra_operations),
        )

    def rows(self) -> list[MatrixRow]:
        """Every neutral capability (undeclared ones as none), then declared vendor-only ones."""
        rows = [
            MatrixRow(
                c.value, c.group_name, self.capabilities[c.value], c.value in self.capabilities
            )
            for c in Capability
        ]
        rows += [
            MatrixRow(key, VENDOR_GROUP, self.capabilities[key], True)
            for key in self.capabilities
            if key not in _NEUTRAL
        ]
        return sorted(rows, key=lambda row: GROUPS.index(row.group))

    @property
    def undeclared_methods(self) -> tuple[str, ...]:
        """Extra methods (testing helpers and the like) that have no matrix entry."""
        return tuple(op for op in self.extra_operations if op not in self.capabilities)


# ------------------------------------------------------------------------------------------
# JSON and CSV: for scripts
# ------------------------------------------------------------------------------------------


def declaration_data(declaration: Declaration) -> dict[str, Any]:
    data: dict[str, Any] = {
        "support": declaration.support.value,
        "note": declaration.note,
        "limit": declaration.limit,
    }
    if declaration.inferred:  # only entries that rest on inference carry the list
        data["inferred"] = list(declaration.inferred)
    return data


def matrix_data(matrices: Iterable[ProviderMatrix]) -> dict[str, Any]:
    """Exactly the declarations, per provider; ``default`` is what anything undeclared means."""
    return {
        "default": declaration_data(UNDECLARED),
        "providers": {
            m.name: {
                "package": m.package,
                "version": m.version,
                "summary": m.summary,
                "extra_operations": list(m.extra_operations),
                "capabilities": {
                    key: declaration_data(declaration)
                    for key, declaration in m.capabilities.items()
                },
            }
            for m in matrices
        },
    }


def render_json(matrices: Iterable[ProviderMatrix]) -> str:
    return json.dumps(matrix_data(matrices), indent=2, ensure_ascii=False) + "\n"


def render_csv(matrices: Iterable[ProviderMatrix]) -> str:
    """One row per provider and capability, undeclared neutral ones included (``declared``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["provider", "group", "capability", "support", "limit", "note", "declared", "inferred"]
    )
    for m in matrices:
        for row in m.rows():
            d = row.declaration
            writer.writerow(
                [
                    m.name,
                    row.group,
                    row.key,
                    d.support.value,
                    "" if d.limit is None else d.limit,
                    d.note,
                    "yes" if row.declared else "no",
                    "; ".join(d.inferred),
                ]
            )
    return out.getvalue()


# ------------------------------------------------------------------------------------------
# Markdown: the documentation page and the README table
# ------------------------------------------------------------------------------------------


def _support(declaration: Declaration, *, escape: bool = True) -> str:
    text = "—" if declaration.support is Support.NONE else declaration.support.value
    if declaration.inferred:
        text += "\\" + INFERRED_MARK if escape else INFERRED_MARK
    return text


def _cell(declaration: Declaration, *, escape: bool = True) -> str:
    text = _support(declaration, escape=escape)
    if declaration.limit is not None:
        text += f" (max {declaration.limit})"
    return text


def markdown_cell(text: str) -> str:
    """Text safe inside a table cell: one line, no pipe or HTML surprises."""
    return (
        " ".join(text.split())
        .replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def _md_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render_overview_markdown(matrices: Sequence[ProviderMatrix]) -> str:
    """One table per group of neutral capabilities, one column per provider."""
    lines: list[str] = []
    names = [m.name for m in matrices]
    for group in GROUPS[:-1]:
        keys = [c.value for c in Capability if c.group_name == group]
        lines += ["", f"**{group.capitalize()}**", ""]
        lines += _md_table(
            ["Capability", *names],
            ([f"`{key}`", *(_cell(m.capabilities[key]) for m in matrices)] for key in keys),
        )
    return "\n".join(lines).lstrip("\n") + "\n"


def _provider_section(m: ProviderMatrix) -> list[str]:
    lines = [f"<!-- provider:{m.name}:start -->", "", f"## {m.name}", ""]
    if m.summary:
        lines += [markdown_cell(m.summary).rstrip(".") + ".", ""]
    if m.package:
        lines += [f"Package: `{m.package}`.", ""]
    lines += _md_table(
        ["Capability", "Support", "Limit", "Note", "Inferred (not in the vendor's docs)"],
        (
            [
                f"`{row.key}`",
                _support(row.declaration),
                "" if row.declaration.limit is None else str(row.declaration.limit),
                markdown_cell(row.declaration.note),
                markdown_cell("; ".join(row.declaration.inferred)),
            ]
            for row in m.rows()
        ),
    )
    if m.undeclared_methods:
        methods = ", ".join(f"`{name}`" for name in m.undeclared_methods)
        lines += ["", f"Also on this provider, outside the matrix: {methods}."]
    lines += ["", f"<!-- provider:{m.name}:end -->"]
    return lines


def render_markdown(matrices: Sequence[ProviderMatrix]) -> str:
    """The whole capability page: legend, overview, then every provider with its notes."""
    lines = [
        "# Capability matrix",
        "",
        "<!-- Generated from the providers' declarations by `walletpass capabilities --format md`"
        " (scripts/render-matrix). Do not edit by hand. -->",
        "",
        LEGEND,
        "",
        "## Overview",
        "",
        render_overview_markdown(matrices).rstrip("\n"),
    ]
    for m in matrices:
        lines += ["", *_provider_section(m)]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------
# Plain text: for the terminal
# ------------------------------------------------------------------------------------------


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns aligned with spaces; the last column is not padded."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))
    lines = []
    for row in [list(headers), *rows]:
        padded = [value.ljust(widths[i]) for i, value in enumerate(row[:-1])]
        lines.append("  ".join([*padded, row[-1]]).rstrip())
    return "\n".join(lines) + "\n"


def render_text(matrices: Sequence[ProviderMatrix]) -> str:
    if len(matrices) == 1:
        m = matrices[0]
        rows = [
            [
                row.key,
                row.declaration.support.value + (INFERRED_MARK if row.declaration.inferred else ""),
                "" if row.declaration.limit is None else str(row.declaration.limit),
                " ".join(row.declaration.note.split())
                + (
                    f" [inferred: {'; '.join(row.declaration.inferred)}]"
                    if row.declaration.inferred
                    else ""
                ),
            ]
            for row in m.rows()
        ]
        head = f"{m.name}: {m.summary}\n\n" if m.summary else ""
        return head + text_table(["CAPABILITY", "SUPPORT", "LIMIT", "NOTE"], rows)
    rows = [
        [
            c.value,
            *(_cell(m.capabilities[c.value], escape=False).replace("—", "none") for m in matrices),
        ]
        for c in Capability
    ]
    table = text_table(["CAPABILITY", *(m.name for m in matrices)], rows)
    if any(d.inferred for m in matrices for d in m.capabilities.values()):
        table += (
            f"\n{INFERRED_MARK} rests on wire details the vendor's documentation does not show\n"
        )
    return table


def render(matrices: Sequence[ProviderMatrix], fmt: str) -> str:
    """Render in one of :data:`FORMATS`."""
    if fmt == "md":
        return render_markdown(matrices)
    if fmt == "json":
        return render_json(matrices)
    if fmt == "csv":
        return render_csv(matrices)
    if fmt == "table":
        return render_text(matrices)
    raise ValidationError.from_problems(
        [FieldProblem("format", f"must be one of {', '.join(FORMATS)}, not {fmt!r}")]
    )
