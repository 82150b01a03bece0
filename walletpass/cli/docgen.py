"""The generated parts of walletpass's own documentation, and the check that they are current.

``scripts/render-matrix`` runs this module: it rewrites ``docs/capabilities.md`` (the output of
``walletpass capabilities --format md`` for every provider shipped in the repository), the
capability table between the markers in ``README.md`` and the reference part of ``docs/cli.md``
(rendered from the argument parser itself), and the ``IssuedPass.meta`` table between the
markers in each provider's page (``docs/providers/<name>.md``; the fake's in ``docs/testing.md``),
rendered from its ``meta_keys``, and a vendor page's capability table, from its
``capabilities``. ``--check`` changes nothing and fails when a
committed copy differs from what the code renders, which is how CI catches a declaration changed
without its documentation.

A checkout without every provider installed can still be checked: columns and sections of the
providers that are missing are left out of the comparison (and named), never guessed.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

from walletpass.cli.parser import build_parser
from walletpass.errors import ConfigurationError
from walletpass.matrix import (
    ProviderMatrix,
    markdown_cell,
    render_markdown,
    render_overview_markdown,
)
from walletpass.registry import available_providers, load_provider_class, provider_info

__all__ = [
    "CAPABILITIES_PAGE",
    "CAPABILITY_MARKERS",
    "CLI_PAGE",
    "README",
    "capability_table",
    "check",
    "cli_reference",
    "main",
    "meta_table",
    "provider_page",
    "readme_block",
    "render_files",
    "replace_between",
    "restrict",
    "shipped_providers",
]

CAPABILITIES_PAGE = Path("docs/capabilities.md")
CLI_PAGE = Path("docs/cli.md")
README = Path("README.md")
README_MARKERS = ("<!-- capabilities:start -->", "<!-- capabilities:end -->")
CLI_MARKERS = ("<!-- cli-reference:start -->", "<!-- cli-reference:end -->")
META_MARKERS = ("<!-- meta-keys:start -->", "<!-- meta-keys:end -->")
CAPABILITY_MARKERS = ("<!-- capabilities-table:start -->", "<!-- capabilities-table:end -->")
ENTRY_POINT_GROUP = "walletpass.providers"


def shipped_providers(root: Path) -> list[str]:
    """The fake plus every provider distribution under ``providers/``, sorted by name."""
    names = {"fake"}
    for project in sorted((root / "providers").glob("*/pyproject.toml")):
        with project.open("rb") as handle:
            data = tomllib.load(handle)
        names.update(data.get("project", {}).get("entry-points", {}).get(ENTRY_POINT_GROUP, {}))
    return sorted(names)


def matrices(names: Iterable[str]) -> list[ProviderMatrix]:
    found = []
    for name in names:
        info = provider_info(name)
        found.append(ProviderMatrix.of(load_provider_class(name), package=info.distribution))
    return found


def readme_block(ms: Sequence[ProviderMatrix]) -> str:
    return (
        render_overview_markdown(ms)
        + "\nNotes on every entry (how emulated ones work, the alternative to missing ones) and "
        "vendor-only operations: [docs/capabilities.md](docs/capabilities.md).\n"
    )


def replace_between(text: str, markers: tuple[str, str], body: str, *, where: str) -> str:
    start, end = markers
    before, found_start, rest = text.partition(start)
    _, found_end, after = rest.partition(end)
    if not found_start or not found_end:
        raise ConfigurationError(f"{where} lacks the markers {start} ... {end}")
    return f"{before}{start}\n{body.strip(chr(10))}\n{end}{after}"


def between(text: str, markers: tuple[str, str]) -> str | None:
    start, end = markers
    _, found, rest = text.partition(start)
    body, found_end, _ = rest.partition(end)
    return body if found and found_end else None


# ------------------------------------------------------------------------------------------
# The CLI reference, from the parser itself
# ------------------------------------------------------------------------------------------

# argparse's default group titles changed across Python versions; the docs must not.
_GROUP_TITLES = {
    "positional arguments": "arguments",
    "options": "options",
    "optional arguments": "options",
}
_COMMON = frozenset({"help", "provider", "config", "settings", "json", "debug"})


def _flag(action: argparse.Action) -> str:
    if not action.option_strings:
        return f"`{action.metavar or action.dest}`"
    metavar = ""
    if action.nargs != 0:
        if action.choices is not None and action.metavar is None:
            metavar = " {" + ",".join(str(c) for c in action.choices) + "}"
        else:
            metavar = f" {action.metavar or action.dest.upper()}"
    return ", ".join(f"`{option}{metavar}`" for option in action.option_strings)


def _options_table(actions: Iterable[argparse.Action]) -> list[str]:
    rows = [
        f"| {_flag(a)} | {markdown_cell(a.help or '')} |"
        for a in actions
        if a.help != argparse.SUPPRESS
    ]
    return ["| Argument | Meaning |", "|---|---|", *rows] if rows else []


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _command_section(path: str, parser: argparse.ArgumentParser) -> list[str]:
    lines = [f"### `{path}`", "", markdown_cell(parser.description or ""), ""]
    for group in parser._action_groups:
        actions = [
            a
            for a in group._group_actions
            if a.dest not in _COMMON and not isinstance(a, argparse._SubParsersAction)
        ]
        table = _options_table(actions)
        if table:
            lines += [f"*{_GROUP_TITLES.get(group.title or '', group.title)}*", "", *table, ""]
    for name, sub in _subparsers(parser).items():
        lines += _command_section(f"{path} {name}", sub)
    return lines


def cli_reference() -> str:
    """Every command, argument and help text, as markdown (independent of the terminal width)."""
    parser = build_parser()
    common = [a for a in parser._actions if a.dest in _COMMON - {"help"}]
    lines = [
        "## Reference",
        "",
        "Generated from the argument parser by scripts/render-matrix; do not edit by hand.",
        "",
        "### Options every command takes",
        "",
        "Give them before or after the command name.",
        "",
        *_options_table(common),
        "",
    ]
    for name, sub in _subparsers(parser).items():
        lines += _command_section(f"walletpass {name}", sub)
    return "\n".join(lines).rstrip("\n") + "\n"


# ------------------------------------------------------------------------------------------
# Rendering, restricting, checking
# ------------------------------------------------------------------------------------------


def meta_table(name: str) -> str:
    """The ``IssuedPass.meta`` keys provider ``name`` declares, as a Markdown table."""
    keys = load_provider_class(name).meta_keys
    if not keys:
        return f"`{name}` reports no `IssuedPass.meta` keys of its own.\n"
    rows = [f"| `{key}` | {markdown_cell(text)} |" for key, text in keys.items()]
    return "| Key | What it holds |\n|---|---|\n" + "\n".join(rows) + "\n"


def capability_table(name: str) -> str:
    """Every capability of provider ``name`` (undeclared ones as NONE), then its vendor-only
    operations, with the support, the inferred mark and limit, and the note (ending with what
    is inferred), as a Markdown table."""
    rows = []
    for row in ProviderMatrix.of(load_provider_class(name)).rows():
        declared = row.declaration
        support = declared.support.value.upper() + ("\\*" if declared.inferred else "")
        if declared.limit is not None:
            support += f" (max {declared.limit})"
        note = declared.note
        if declared.inferred:
            note += f" [inferred: {'; '.join(declared.inferred)}]"
        rows.append(f"| `{row.key}` | {support} | {markdown_cell(note)} |")
    return "| Capability | Support | Note |\n|---|---|---|\n" + "\n".join(rows) + "\n"


def provider_page(name: str) -> Path:
    """Where provider ``name`` is documented (the fake: the testing guide)."""
    return Path("docs/testing.md") if name == "fake" else Path(f"docs/providers/{name}.md")


def render_files(root: Path, names: Sequence[str]) -> dict[Path, str]:
    """The expected content of every generated file, for providers ``names``."""
    ms = matrices(names)
    readme = (root / README).read_text(encoding="utf-8")
    cli_page = (root / CLI_PAGE).read_text(encoding="utf-8")
    files = {
        CAPABILITIES_PAGE: render_markdown(ms),
        README: replace_between(readme, README_MARKERS, readme_block(ms), where=str(README)),
        CLI_PAGE: replace_between(cli_page, CLI_MARKERS, cli_reference(), where=str(CLI_PAGE)),
    }
    for name in names:
        page = provider_page(name)
        text = (root / page).read_text(encoding="utf-8") if (root / page).is_file() else ""
        text = replace_between(text, META_MARKERS, meta_table(name), where=str(page))
        if name != "fake":  # (the fake's capabilities are docs/capabilities.md's, not a page's)
            table = capability_table(name)
            text = replace_between(text, CAPABILITY_MARKERS, table, where=str(page))
        files[page] = text
    return files


_SEPARATOR = re.compile(r"\|(?:-+\|)+")
_SECTION = re.compile(r"<!-- provider:(?P<name>[^:]+):(?P<edge>start|end) -->")


def restrict(text: str, keep: Iterable[str]) -> str:
    """``text`` without the matrix columns and provider sections of providers not in ``keep``."""
    kept = set(keep)
    out: list[str] = []
    dropping = False
    columns: list[int] | None = None
    for line in text.split("\n"):
        section = _SECTION.fullmatch(line.strip())
        if section is not None:
            if section["edge"] == "start" and section["name"] not in kept:
                dropping = True
                if out and out[-1] == "":
                    out.pop()
                continue
            if section["edge"] == "end" and dropping:
                dropping = False
                continue
        if dropping:
            continue
        if not line.startswith("|"):
            columns = None
            out.append(line)
            continue
        cells = [cell.strip() for cell in line.strip()[1:-1].split("|")]
        if columns is None:
            overview = cells[0] == "Capability" and not set(cells[1:]) & {"Support", "Meaning"}
            columns = [0] + [i for i, c in enumerate(cells) if i and c in kept] if overview else []
        if not columns:  # not a matrix table: left exactly as it is
            out.append(line)
        elif _SEPARATOR.fullmatch(line.strip()):
            out.append("|" + "|".join("---" for _ in columns) + "|")
        else:
            out.append("| " + " | ".join(cells[i] for i in columns) + " |")
    return "\n".join(out)


def matrix_columns(text: str) -> set[str]:
    """Providers that have a column in the overview tables of ``text``."""
    found: set[str] = set()
    for line in text.split("\n"):
        if line.startswith("| Capability |"):
            cells = [cell.strip() for cell in line.strip()[1:-1].split("|")]
            if not set(cells[1:]) & {"Support", "Meaning"}:
                found.update(cells[1:])
    return found


def check(root: Path) -> tuple[list[str], list[str]]:
    """Problems with the committed copies, and the shipped providers that could not be checked."""
    shipped = shipped_providers(root)
    installed = set(available_providers())
    present = [name for name in shipped if name in installed]
    unchecked = [name for name in shipped if name not in installed]
    problems = []
    for path, expected in render_files(root, present).items():
        file = root / path
        committed = file.read_text(encoding="utf-8") if file.is_file() else ""
        stray = matrix_columns(committed) - set(shipped)
        if stray:
            problems.append(f"{path}: lists providers not shipped here: {', '.join(sorted(stray))}")
        actual = restrict(committed, present) if unchecked else committed
        if actual != expected:
            diff = difflib.unified_diff(
                actual.splitlines(),
                expected.splitlines(),
                f"{path} (committed)",
                f"{path} (rendered)",
                lineterm="",
                n=1,
            )
            problems.append(f"{path} differs from what the code renders:\n" + "\n".join(diff))
    return problems, unchecked


def write(root: Path) -> list[Path]:
    shipped = shipped_providers(root)
    missing = [name for name in shipped if name not in set(available_providers())]
    if missing:
        raise ConfigurationError(
            f"not installed: {', '.join(missing)}; the committed matrix covers every shipped "
            "provider, so install them all first (./scripts/bootstrap)"
        )
    changed = []
    for path, content in render_files(root, shipped).items():
        file = root / path
        if not file.is_file() or file.read_text(encoding="utf-8") != content:
            file.write_text(content, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/render-matrix",
        description="Render the capability matrix (docs/capabilities.md, README.md) and the CLI "
        "reference (docs/cli.md) from the code.",
    )
    parser.add_argument("--check", action="store_true", help="change nothing; fail on drift")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root")
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems, unchecked = check(args.root)
            if unchecked:
                print(
                    f"render-matrix: not installed, so not checked: {', '.join(unchecked)}",
                    file=sys.stderr,
                )
            for problem in problems:
                print(problem, file=sys.stderr)
            if problems:
                print("render-matrix: run scripts/render-matrix and commit", file=sys.stderr)
                return 1
            return 0
        for path in write(args.root):
            print(f"rewrote {path}")
        return 0
    except ConfigurationError as exc:
        print(f"render-matrix: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
