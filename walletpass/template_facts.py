"""Facts a vendor template fixes, stated in the template alias and checked before sending.

Some vendors take part of a pass from the template, not from the request: Pass2U draws the barcode
in the symbology set on the *model* (Model Designer) and sends only the message. A pass asking for
another symbology would be silently drawn in the model's. walletpass cannot read the model, so the
template alias states the fact (``barcode_format = "pdf417"``), and:

* a pass whose barcode leaves the format unset takes the alias's format (checked against the
  message: :mod:`walletpass.barcodes`);
* a pass asking for another format is refused (``ValidationError`` at ``barcode.format``);
* on a provider that declares the format template-fixed (``Provider.template_fixed``), a pass that
  *names* a format while no alias states the template's is refused too: nothing could check it.

One function per fact, in one place, so every provider (and the fake wearing a profile) applies the
same rule.
"""

from __future__ import annotations

from typing import Any, TypeVar

from walletpass.copies import replaced
from walletpass.errors import FieldProblem, ValidationError
from walletpass.model import Barcode, Pass, PassUpdate

__all__ = ["BARCODE_FORMAT", "apply_template_facts"]

#: The name a provider lists in ``template_fixed`` when its template fixes the barcode format.
BARCODE_FORMAT = "barcode.format"

C = TypeVar("C", Pass, PassUpdate)


def apply_template_facts(
    content: C, alias: Any, *, template: str | None, fixed: frozenset[str], provider: str
) -> C:
    """``content`` with the alias's template facts applied, or ``ValidationError`` (nothing sent).

    ``alias`` is the :class:`~walletpass.settings.TemplateAlias` in force (``None`` if none),
    ``template`` the vendor template id, ``fixed`` the provider's ``template_fixed`` names.
    """
    barcode = content.barcode
    if barcode is None:
        return content
    stated = getattr(alias, "barcode_format", None)
    # (the set the model_fields_set property returns, read without the property's call: every
    # Pass2U create with a barcode asks it)
    explicit = "format" in barcode.__pydantic_fields_set__
    if stated is None:
        if explicit and BARCODE_FORMAT in fixed:
            raise ValidationError.from_problems(
                [
                    FieldProblem(
                        BARCODE_FORMAT,
                        "the barcode is drawn in the symbology set on the vendor's template "
                        f"({template!r}), not per pass, and no template alias states it: add "
                        "barcode_format to the template alias (e.g. barcode_format = "
                        f'"{barcode.symbology.value}") or leave the format out to use the '
                        "template's",
                    )
                ],
                provider=provider,
            )
        return content
    if explicit and barcode.format != stated:
        raise ValidationError.from_problems(
            [
                FieldProblem(
                    BARCODE_FORMAT,
                    f"template {template!r} draws barcodes as {stated.value} (its alias's "
                    f"barcode_format); this pass asks for {barcode.symbology.value}",
                )
            ],
            provider=provider,
        )
    if barcode.format == stated:
        return content
    as_stated = Barcode(message=barcode.message, format=stated, alt_text=barcode.alt_text)
    return replaced(content, {"barcode": as_stated})
