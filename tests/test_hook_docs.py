"""Every hook a provider plugin writes is documented where plugin authors look: its docstring
names each argument of its current signature, what it returns and what it raises, and the
built API reference shows it (tests/test_docs_build.py checks the site)."""

from __future__ import annotations

import inspect
import re

import pytest

from walletpass.provider import Provider

#: Hooks that are not build_/parse_/execute_ but that a plugin implements or overrides.
OTHER_HOOKS = (
    "auth_headers",
    "check",
    "decode_id",
    "events_from_delivery",
    "find_by_external_id",
    "follow_batch",
    "parse_error",
    "retry_after",
    "sample_pass_id",
    "sample_pass_id_of_kind",
    "template_of",
    "unsupported_here",
    "update_builds_after_read",
    "validate_pass",
    "validate_update",
    "verify_event_delivery",
)

#: Public operations whose names look like hooks.
OPERATIONS = ("parse_events",)


def hook_names() -> list[str]:
    """The hooks of the provider contract as it stands (new ones are picked up by name)."""
    names = {
        name
        for name in dir(Provider)
        if re.match(r"(build|parse|execute|plan)_", name)
        and callable(getattr(Provider, name))
        and name not in OPERATIONS
    }
    names.update(name for name in OTHER_HOOKS if callable(getattr(Provider, name, None)))
    return sorted(names)


def test_the_contract_has_the_hooks_plugin_authors_write() -> None:
    names = hook_names()
    for expected in (
        "build_create",
        "parse_create",
        "plan_create",
        "execute_create",
        "parse_error",
    ):
        assert expected in names


@pytest.mark.parametrize("name", hook_names())
def test_each_hook_documents_its_arguments_result_and_errors(name: str) -> None:
    hook = getattr(Provider, name)
    doc = inspect.getdoc(hook) or ""
    assert doc, f"{name} has no docstring"
    parameters = [p for p in inspect.signature(hook).parameters if p not in ("self", "cls")]
    documented = re.findall(r"^:param (\w+):", doc, re.MULTILINE)
    assert documented == parameters, (
        f"{name}: the docstring documents {documented}, the signature has {parameters}"
    )
    assert re.search(r"^:returns:", doc, re.MULTILINE), f"{name}: no :returns:"
    if re.match(r"(build|parse|execute|plan)_", name) and name != "parse_error":
        assert re.search(r"^:raises \w+:", doc, re.MULTILINE), f"{name}: no :raises:"
