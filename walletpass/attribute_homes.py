"""Which template alias ``attributes`` a provider can honour, decided when it is configured.

A template alias keeps a neutral attribute in one of the template's fields only where the
provider keeps that attribute so (``field_held_attributes``, e.g. Pass2U's ``external_id``); an
attribute the provider carries itself (declared supported) stays where the provider carries it.
An attribute that is neither (declared NONE and not field-held: Pass2U's ``holder.email``) would
be accepted, ignored, and refused on every create that sets it: it is refused here instead, as a
mistake in the configuration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from walletpass.capabilities import Capability, Support
from walletpass.errors import ConfigurationError

if TYPE_CHECKING:
    from walletpass.contract import ProviderContract

__all__ = ["check_attribute_homes"]


def check_attribute_homes(provider: ProviderContract[Any]) -> None:
    """Refuse each template alias ``attributes`` entry ``provider`` will never honour.

    :param provider: a configured provider (its ``settings.templates``, ``capabilities`` and
        ``field_held_attributes``; for the fake wearing a profile, the profile's).
    :raises ConfigurationError: an entry names an attribute the provider neither keeps in a
        template field nor carries itself; the message names every such entry (attribute and
        template alias), what this provider can keep in a field, and why it has no home for
        the attribute (the capability's note).
    """
    held = provider.field_held_attributes
    found = []
    for logical, alias in provider.settings.templates.items():
        for attribute, key in alias.attributes.items():
            if attribute in held:
                continue
            declared = provider.capabilities[Capability(attribute)]
            if declared.support is not Support.NONE:
                continue  # the provider carries it itself
            why = f" ({declared.note})" if declared.note else ""
            found.append(
                f"template alias {logical!r} keeps {attribute} in field {key!r} (attributes), "
                f"but this provider never takes {attribute} from a template field{why}"
            )
    if not found:
        return
    kept = ", ".join(sorted(held)) if held else "no attribute"
    raise ConfigurationError(
        # (the error names the provider: ``provider=``)
        "; ".join(found) + f". It keeps only {kept} in a template "
        "field: remove the entry, and keep such a value in a field of your own (fields)",
        provider=provider.label,
    )
