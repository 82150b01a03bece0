"""The capability matrix is rendered from declarations, and the committed copies match the code."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walletpass import (
    Capabilities,
    Capability,
    Provider,
    Support,
    available_providers,
    emulated,
    native,
    none,
)
from walletpass.capabilities import Declaration
from walletpass.cli import docgen
from walletpass.errors import ConfigurationError, ValidationError
from walletpass.fake import FakeProvider
from walletpass.matrix import (
    VENDOR_GROUP,
    ProviderMatrix,
    markdown_cell,
    matrix_data,
    render,
    render_csv,
    render_markdown,
    render_overview_markdown,
)
from walletpass.registry import load_provider_class

ROOT = Path(__file__).resolve().parents[1]


class AcmeProvider(Provider):
    name: ClassVar[str] = "acme"
    summary: ClassVar[str] = "Acme passes | with a pipe"
    capabilities: ClassVar[Capabilities] = Capabilities(
        {
            Capability.CREATE: native("POST /passes"),
            Capability.REDEEM: emulated("PATCH {status: used}"),
            Capability.LIST: none("keep ids yourself"),
            Capability.LOCATIONS: native("locations[]", limit=10),
            "upload_image": native("POST /images <png>"),
        }
    )
    extra_operations: ClassVar[tuple[str, ...]] = ("upload_image", "rotate_keys")


def test_json_is_exactly_the_declarations() -> None:
    data = matrix_data([ProviderMatrix.of(AcmeProvider, package="acme-dist", version="1.2")])
    acme = data["providers"]["acme"]
    assert acme["capabilities"] == {
        "create": {"support": "native", "note": "POST /passes", "limit": None},
        "redeem": {"support": "emulated", "note": "PATCH {status: used}", "limit": None},
        "list": {"support": "none", "note": "keep ids yourself", "limit": None},
        "locations": {"support": "native", "note": "locations[]", "limit": 10},
        "upload_image": {"support": "native", "note": "POST /images <png>", "limit": None},
    }
    assert list(acme["capabilities"]) == list(AcmeProvider.capabilities)
    assert (acme["package"], acme["version"]) == ("acme-dist", "1.2")
    assert acme["extra_operations"] == ["upload_image", "rotate_keys"]
    assert data["default"]["support"] == "none"
    rebuilt = Capabilities(
        {
            key: Declaration(Support(value["support"]), value["note"], value["limit"])
            for key, value in acme["capabilities"].items()
        }
    )
    assert dict(rebuilt) == dict(AcmeProvider.capabilities)


def test_rows_cover_every_neutral_capability_then_vendor_operations() -> None:
    rows = ProviderMatrix.of(AcmeProvider).rows()
    keys = [row.key for row in rows]
    assert keys[: len(Capability)] == [c.value for c in Capability]
    assert keys[len(Capability) :] == ["upload_image"]
    by_key = {row.key: row for row in rows}
    assert not by_key["update"].declared
    assert by_key["update"].declaration.support.value == "none"
    assert by_key["upload_image"].group == VENDOR_GROUP


def test_csv_has_one_row_per_provider_and_capability() -> None:
    text = render_csv([ProviderMatrix.of(AcmeProvider), ProviderMatrix.of(FakeProvider)])
    rows = list(csv.DictReader(io.StringIO(text)))
    acme = {row["capability"]: row for row in rows if row["provider"] == "acme"}
    assert len(acme) == len(Capability) + 1
    assert acme["locations"]["limit"] == "10"
    assert acme["redeem"]["support"] == "emulated"
    assert acme["get"]["declared"] == "no"
    assert acme["upload_image"]["group"] == VENDOR_GROUP
    assert sum(1 for row in rows if row["provider"] == "fake") == len(Capability)


def test_markdown_page_has_overview_sections_and_escaped_notes() -> None:
    page = render_markdown([ProviderMatrix.of(AcmeProvider), ProviderMatrix.of(FakeProvider)])
    assert "| Capability | acme | fake |" in page
    assert "| `locations` | native (max 10) | native |" in page
    assert "| `list` | — | native |" in page
    assert "Acme passes \\| with a pipe." in page
    assert "| `upload_image` | native |  | POST /images &lt;png&gt; |" in page
    assert "outside the matrix: `rotate_keys`." in page
    assert "<!-- provider:acme:start -->" in page and "<!-- provider:fake:end -->" in page


def test_unknown_format_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="format"):
        render([ProviderMatrix.of(AcmeProvider)], "xml")


_NOTES = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@given(_NOTES)
def test_a_note_never_breaks_its_table_row(note: str) -> None:
    cell = markdown_cell(note)
    assert "\n" not in cell and "\r" not in cell
    assert re.search(r"(?<!\\)\|", cell.replace("\\\\", "")) is None
    assert "<" not in cell and ">" not in cell


def _provider(name: str, entries: dict[str, Declaration]) -> ProviderMatrix:
    return ProviderMatrix(name=name, capabilities=Capabilities(entries), summary=f"{name} | api")


_DECLARATIONS = st.dictionaries(
    st.sampled_from([c.value for c in Capability] + ["vendor_op"]),
    st.one_of(
        st.builds(native, _NOTES, limit=st.none() | st.integers(0, 50)),
        st.builds(emulated, _NOTES),
        st.builds(none, _NOTES),
    ),
    max_size=6,
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_DECLARATIONS, min_size=2, max_size=4), st.data())
def test_restricting_a_render_equals_rendering_the_subset(
    declared: list[dict[str, Declaration]], data: st.DataObject
) -> None:
    ms = [_provider(f"p{i}", entries) for i, entries in enumerate(declared)]
    keep = data.draw(st.lists(st.sampled_from(ms), unique_by=lambda m: m.name, min_size=1))
    subset = [m for m in ms if m in keep]
    names = [m.name for m in subset]
    assert docgen.restrict(render_markdown(ms), names) == render_markdown(subset)
    assert docgen.restrict(render_overview_markdown(ms), names) == render_overview_markdown(subset)


# --------------------------------------------------------------------------------------------
# The committed copies
# --------------------------------------------------------------------------------------------


def test_committed_docs_match_what_the_code_renders() -> None:
    problems, unchecked = docgen.check(ROOT)
    assert problems == []
    assert set(unchecked) <= set(docgen.shipped_providers(ROOT)) - {"fake"}


def test_the_docs_page_is_the_capabilities_command_output() -> None:
    names = [n for n in docgen.shipped_providers(ROOT) if n in available_providers()]
    out = subprocess.run(
        [sys.executable, "-m", "walletpass.cli", "capabilities", *names, "--format", "md"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    committed = (ROOT / docgen.CAPABILITIES_PAGE).read_text(encoding="utf-8")
    assert docgen.restrict(committed, names) == out


def _copy_repo_docs(tmp_path: Path) -> Path:
    pages = [docgen.provider_page(name) for name in docgen.shipped_providers(ROOT)]
    for path in (docgen.README, docgen.CAPABILITIES_PAGE, docgen.CLI_PAGE, *pages):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / path, tmp_path / path)
    for project in (ROOT / "providers").glob("*/pyproject.toml"):
        target = tmp_path / project.relative_to(ROOT)
        target.parent.mkdir(parents=True)
        shutil.copy(project, target)
    return tmp_path


def test_drift_is_reported_per_file(tmp_path: Path) -> None:
    root = _copy_repo_docs(tmp_path)
    page = root / docgen.CAPABILITIES_PAGE
    page.write_text(page.read_text().replace("| `create` | native |", "| `create` | emulated |", 1))
    readme = root / docgen.README
    readme.write_text(readme.read_text().replace("| `get` |", "| `gett` |", 1))
    problems, _ = docgen.check(root)
    assert len(problems) == 2
    assert problems[0].startswith("docs/capabilities.md differs")
    assert problems[1].startswith("README.md differs") and "`gett`" in problems[1]
    result = subprocess.run(
        [str(ROOT / "scripts" / "render-matrix"), "--check", "--root", str(root)],
        check=False,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHON": sys.executable},
    )
    assert result.returncode == 1
    assert "run scripts/render-matrix" in result.stderr


def test_a_provider_page_whose_meta_table_drifted_is_reported(tmp_path: Path) -> None:
    root = _copy_repo_docs(tmp_path)
    names = [name for name in docgen.shipped_providers(ROOT) if name in available_providers()]
    for name in names:
        page = root / docgen.provider_page(name)
        key = next(iter(load_provider_class(name).meta_keys))
        page.write_text(page.read_text().replace(f"| `{key}` |", "| `renamed` |", 1))
    problems, _ = docgen.check(root)
    assert sorted(p.split(" differs")[0] for p in problems) == sorted(
        str(docgen.provider_page(name)) for name in names
    )
    assert all("`renamed`" in problem for problem in problems)


def test_a_vendor_page_whose_capability_table_drifted_is_reported(tmp_path: Path) -> None:
    """Each vendor page's capability table says it is rendered from the declarations: a row
    changed by hand (or a declaration changed without its page) is drift, as for the matrix."""
    root = _copy_repo_docs(tmp_path)
    names = [
        name
        for name in docgen.shipped_providers(ROOT)
        if name in available_providers() and name != "fake"
    ]
    assert names
    for name in names:
        page = root / docgen.provider_page(name)
        page.write_text(page.read_text().replace("| `create` | NATIVE", "| `create` | EMULATED", 1))
    problems, _ = docgen.check(root)
    assert sorted(p.split(" differs")[0] for p in problems) == sorted(
        str(docgen.provider_page(name)) for name in names
    )
    assert all("| `create` | EMULATED" in problem for problem in problems)


def test_a_capability_note_renders_as_text_in_the_site() -> None:
    """A note's ``<past date>`` or ``pass.<templateFieldId>`` in a hand-copied table was raw
    HTML to the site's Markdown: an unknown tag, so the browser showed ``update(fields={...:
    })`` and ``pass., as text``. The rendered table escapes it as the matrix page does."""
    for name in ("passentry", "livepasses", "pass2u"):
        if name not in available_providers():
            continue
        table = docgen.capability_table(name)
        assert "<" not in table.replace("<!--", ""), name
    if "passentry" in available_providers():
        assert "pass.&lt;templateFieldId&gt;, as text" in docgen.capability_table("passentry")


def test_render_writes_only_between_the_readme_markers(tmp_path: Path) -> None:
    root = _copy_repo_docs(tmp_path)
    readme = root / docgen.README
    original = readme.read_text()
    before, _, rest = original.partition(docgen.README_MARKERS[0])
    _, _, after = rest.partition(docgen.README_MARKERS[1])
    readme.write_text(
        before + docgen.README_MARKERS[0] + "stale" + docgen.README_MARKERS[1] + after
    )
    (root / docgen.CAPABILITIES_PAGE).unlink()
    problems, unchecked = docgen.check(root)
    assert len(problems) == 2
    if unchecked:
        with pytest.raises(ConfigurationError, match="not installed"):
            docgen.write(root)
        return
    assert set(docgen.write(root)) == {docgen.README, docgen.CAPABILITIES_PAGE}
    assert readme.read_text() == original
    assert docgen.check(root) == ([], [])


def test_a_provider_that_is_not_installed_is_named_not_guessed(tmp_path: Path) -> None:
    root = _copy_repo_docs(tmp_path)
    ghost = root / "providers" / "ghost" / "pyproject.toml"
    ghost.parent.mkdir(parents=True)
    ghost.write_text('[project.entry-points."walletpass.providers"]\nghost = "ghost:Ghost"\n')
    assert "ghost" in docgen.shipped_providers(root)
    problems, unchecked = docgen.check(root)
    assert problems == [] and "ghost" in unchecked
    with pytest.raises(ConfigurationError, match="ghost"):
        docgen.write(root)


def test_a_column_for_a_provider_not_shipped_is_a_problem(tmp_path: Path) -> None:
    root = _copy_repo_docs(tmp_path)
    page = root / docgen.CAPABILITIES_PAGE
    page.write_text(page.read_text().replace("| Capability | fake |", "| Capability | zzz |", 1))
    problems, _ = docgen.check(root)
    assert any("not shipped here: zzz" in problem for problem in problems)


def test_missing_markers_are_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="lacks the markers"):
        docgen.replace_between("no markers", docgen.README_MARKERS, "x", where="README.md")


def test_the_cli_reference_lists_every_command() -> None:
    reference = docgen.cli_reference()
    for command in ("providers", "capabilities", "create", "get", "update", "redeem", "delete"):
        assert f"### `walletpass {command}`" in reference
    assert "### `walletpass config check`" in reference
    assert "| `--field KEY=VALUE` |" in reference
    assert "| `--json` |" in reference
    # options every command takes are documented once, not under each command
    assert reference.count("| `--json` |") == 1


def test_entries_resting_on_inference_are_marked_in_every_rendering() -> None:
    from walletpass.capabilities import Capabilities, native
    from walletpass.matrix import ProviderMatrix, render

    guessed = native("POST /guess", inferred=("the key guessKey",))
    matrix = ProviderMatrix("guesser", Capabilities({"create": guessed, "get": native("GET")}))
    markdown = render([matrix], "md")
    assert "| `create` | native\\* |  | POST /guess | the key guessKey |" in markdown
    assert "| `get` | native |  | GET |  |" in markdown
    assert "\\***: the entry rests on wire details" in markdown
    text = render([matrix], "table")
    assert "native*" in text and "[inferred: the key guessKey]" in text
    assert '"inferred": [\n            "the key guessKey"' in render([matrix], "json")
    assert render([matrix], "csv").splitlines()[1].endswith(",yes,the key guessKey")
    assert guessed.describe() == "NATIVE: POST /guess [inferred: the key guessKey]"


@pytest.mark.parametrize("declare", ["native", "emulated"])
def test_an_inferred_detail_given_as_one_text_is_refused_not_split_into_characters(
    declare: str,
) -> None:
    """``inferred`` is a tuple of texts; one text passed as it is would have been taken apart
    into one "detail" per character, a matrix entry no reader can use."""
    from walletpass import capabilities

    make = getattr(capabilities, declare)
    with pytest.raises(ValueError, match="inferred must be a tuple of non-empty texts"):
        make("how", inferred="the key guessKey")
    assert make("how", inferred=["the key guessKey"]).inferred == ("the key guessKey",)
