"""Templates: list, detail, create, update, activate and deactivate (vendor notes 3.9).

The block inside ``businessFeatures`` decides a new template's type (0.3.0 README; 0.1.0's
``passType`` word is read too); a template's type cannot change; passes of an inactive template
are refused with ``TEMPLATE_INACTIVE`` by the other resources.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from walletpass.testing.emulator import EmulatorRequest, EmulatorResponse, route
from walletpass_livepasses import limits
from walletpass_livepasses.emulator.envelope import Resource, invalid
from walletpass_livepasses.emulator.state import (
    EmulatedTemplate,
    new_id,
    refused,
    timestamp,
    type_word,
)
from walletpass_livepasses.limits import Shape, TemplateStatus

__all__ = ["Templates"]


class Templates(Resource):
    """``/api/templates``: the designs passes are generated from."""

    def _template_item(self, template: EmulatedTemplate) -> dict[str, Any]:
        return {
            "id": template.id,
            "name": template.name,
            "type": str(template.type),
            "status": template.status.value,
            "passCount": sum(1 for p in self.store.passes.values() if p.template_id == template.id),
            "createdAt": timestamp(template.created_at),
            "description": template.description,
            "updatedAt": timestamp(template.updated_at),
        }

    def _template_detail(self, template: EmulatedTemplate) -> dict[str, Any]:
        return {
            **self._template_item(template),
            "businessFeatures": dict(template.business_features),
            "platformSupport": {"apple": True, "google": True},
            "mediaConfiguration": {"requiredMedia": list(template.required_media)},
        }

    @route("GET", "/api/templates", query=limits.LIST_TEMPLATES_QUERY)
    def list_templates(self, request: EmulatorRequest) -> EmulatorResponse:
        page, size = self.page(request)
        status = request.arg("status")
        kind = request.arg("type")
        if kind is not None and self.store.documented_only:
            why = limits.inferred_type(type_word(kind))
            if why is not None:
                raise invalid([("type", f"{why}: not served in documented_only mode")])
        term = (request.arg("searchTerm") or "").casefold()
        found = [
            t
            for t in self.store.templates.values()
            if (status is None or t.status.value == status)
            and (kind is None or str(t.type) == kind)
            and (not term or term in t.name.casefold())
        ]
        keys: dict[str, Callable[[EmulatedTemplate], Any]] = {
            "createdAt": lambda t: (t.created_at, t.id),
            "name": lambda t: t.name.casefold(),
        }
        return self.sorted_page(request, found, keys, self._template_item, page=page, size=size)

    @route("GET", "/api/templates/{templateId}")
    def get_template(self, request: EmulatorRequest) -> EmulatorResponse:
        return self.ok(self._template_detail(self.store.template(request.params["templateId"])))

    @route("POST", "/api/templates")
    def create_template(self, request: EmulatorRequest) -> EmulatorResponse:
        body = self.body(request, limits.TEMPLATE_CREATE)
        kind = limits.template_type_of(body["businessFeatures"])
        if kind is None:
            raise invalid(
                [("businessFeatures", "must hold exactly one pass type block, e.g. event")]
            )
        if self.store.documented_only and (why := limits.inferred_type(kind)) is not None:
            raise invalid(
                [(f"businessFeatures.{kind.block}", f"{why}: not made in documented_only mode")]
            )
        template = self.store.add_template(
            EmulatedTemplate(
                id=new_id("tmpl-", 8),
                name=body["name"],
                type=kind,
                description=body.get("description"),
                business_features=dict(body["businessFeatures"]),
                required_media=list(body.get("requiredMedia") or []),
            )
        )
        return self.ok(self._template_detail(template), 201, "Created")

    @route("PUT", "/api/templates/{templateId}")
    def update_template(self, request: EmulatorRequest) -> EmulatorResponse:
        body = self.body(request, limits.TEMPLATE_UPDATE)
        template = self.store.template(request.params["templateId"])
        features = body.get("businessFeatures")
        if features is not None:
            kind = limits.template_type_of(features)
            if kind is not None and kind is not template.type:
                raise refused(422, "OPERATION_NOT_ALLOWED", "A template's pass type cannot change.")
            template.business_features = dict(features)
        if body.get("name") is not None:
            template.name = body["name"]
        if body.get("description") is not None:
            template.description = body["description"]
        template.updated_at = self.store.clock()
        return self.ok(self._template_detail(template))

    def _set_template_status(
        self, request: EmulatorRequest, status: TemplateStatus
    ) -> EmulatorResponse:
        self.body(request, Shape({}), optional=True)
        template = self.store.template(request.params["templateId"])
        template.status = status
        template.updated_at = self.store.clock()
        return self.ok(self._template_item(template))

    @route("POST", "/api/templates/{templateId}/activate")
    def activate_template(self, request: EmulatorRequest) -> EmulatorResponse:
        return self._set_template_status(request, TemplateStatus.ACTIVE)

    @route("POST", "/api/templates/{templateId}/deactivate")
    def deactivate_template(self, request: EmulatorRequest) -> EmulatorResponse:
        return self._set_template_status(request, TemplateStatus.INACTIVE)
