"""MkDocs hooks for the walletpass site (listed under ``hooks:`` in mkdocs.yml).

Three jobs, so that documentation written for reading on a repository host also builds into the
site without a maintained list of pages:

* the ``Providers`` section of the navigation lists every page in ``docs/providers/`` (each
  provider package adds its own page), ordered by title;
* an ``examples.md`` page is generated from ``examples/``: each script's docstring and source, and
  the files of the plugin template, so the site shows exactly the code CI runs;
* links from a page to a file under ``examples/`` (``../examples/quickstart.py``, written so they
  work on a repository host) are pointed at that file's section of the generated page. A link to
  an example that does not exist is left alone, so the strict build fails on it.
"""

from __future__ import annotations

import ast
import posixpath
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

EXAMPLES_PAGE = "examples.md"
PROVIDERS_SECTION = "Providers"
PLUGIN_TEMPLATE = "plugin_template"
_LINK = re.compile(r"\]\((?P<target>[^)\s#]+)(?P<anchor>#[^)\s]*)?\)")
_TITLE = re.compile(r"^#\s+(.+?)\s*$", re.MULTILINE)


def _root(config: Any) -> Path:
    return Path(config["config_file_path"]).resolve().parent


def _anchor(name: str) -> str:
    return "example-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def on_config(config: Any) -> Any:
    docs = Path(config["docs_dir"])
    pages = []
    for page in sorted((docs / "providers").glob("*.md")):
        match = _TITLE.search(page.read_text(encoding="utf-8"))
        title = match.group(1) if match else page.stem
        pages.append({title: f"providers/{page.name}"})
    pages.sort(key=lambda entry: next(iter(entry)).lower())
    nav = []
    for entry in config["nav"] or []:
        if isinstance(entry, dict) and PROVIDERS_SECTION in entry:
            if pages:
                nav.append({PROVIDERS_SECTION: pages})
        else:
            nav.append(entry)
    config["nav"] = nav
    return config


def _fence(source: str, language: str, indent: str = "") -> str:
    ticks = "````" if "```" in source else "```"
    body = "\n".join(indent + line if line else line for line in source.rstrip().splitlines())
    return f"{indent}{ticks}{language}\n{body}\n{indent}{ticks}\n"


def _script_section(path: Path) -> str:
    source = path.read_text(encoding="utf-8")
    doc = ast.get_docstring(ast.parse(source)) or ""
    return f"## `{path.name}` {{ #{_anchor(path.name)} }}\n\n{doc}\n\n{_fence(source, 'python')}\n"


def _template_section(template: Path) -> str:
    readme = template / "README.md"
    intro = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    # The README's own headings become sub-headings of this section.
    intro = re.sub(r"^(#+)", r"\1#", intro, flags=re.MULTILINE)
    intro = re.sub(r"^## .*\n", "", intro, count=1)
    parts = [f"## `{PLUGIN_TEMPLATE}/` {{ #{_anchor(PLUGIN_TEMPLATE)} }}\n\n{intro}\n"]
    files = sorted(
        p
        for p in template.rglob("*")
        if p.is_file()
        and p.suffix in (".py", ".toml")
        and not any(
            part.startswith((".", "build")) or part.endswith(".egg-info") for part in p.parts
        )
        and "__pycache__" not in p.parts
    )
    for file in files:
        language = "toml" if file.suffix == ".toml" else "python"
        relative = file.relative_to(template).as_posix()
        parts.append(
            f'??? example "{relative}"\n\n{_fence(file.read_text("utf-8"), language, "    ")}\n'
        )
    return "".join(parts)


def _examples_page(examples: Path) -> str:
    parts = [
        "# Examples\n\n",
        "Runnable code from the repository's `examples/` directory, shown here as it is. CI runs "
        "every script, runs `test_my_app.py` with pytest, and builds, installs and tests the "
        "plugin template in a throwaway environment (`tests/test_examples.py`).\n\n",
    ]
    for script in sorted(examples.glob("*.py")):
        parts.append(_script_section(script))
    template = examples / PLUGIN_TEMPLATE
    if template.is_dir():
        parts.append(_template_section(template))
    return "".join(parts)


def on_files(files: Files, *, config: Any) -> Files:
    content = _examples_page(_root(config) / "examples")
    files.append(File.generated(config, EXAMPLES_PAGE, content=content))
    return files


def on_page_markdown(markdown: str, *, page: Any, config: Any, files: Files) -> str:
    root = _root(config)
    docs = Path(config["docs_dir"]).resolve().relative_to(root).as_posix()
    here = posixpath.dirname(page.file.src_uri)

    def repoint(match: re.Match[str]) -> str:
        target = match.group("target")
        if "://" in target:
            return match.group(0)
        in_repo = posixpath.normpath(posixpath.join(docs, here, target))
        parts = in_repo.split("/")
        if parts[0] != "examples" or len(parts) < 2 or not (root / in_repo).exists():
            return match.group(0)
        name = parts[1]
        page_link = posixpath.relpath(EXAMPLES_PAGE, here or ".")
        return f"]({page_link}#{_anchor(name)})"

    return _LINK.sub(repoint, markdown)
