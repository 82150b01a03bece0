"""The smallest provider plugin: a vendor that can only issue passes.

Everything between the ``--8<--`` marks is the whole plugin: its declarations (anything left
out is NONE, so every other operation and field is refused before sending, naming the
provider) and two pure hooks. The base class runs every check, sends with retries and maps
errors. It passes the conformance suite (tests/test_minimal_plugin.py runs it against a small
emulator). The full template, with an emulator, limits and every operation, is
examples/plugin_template.

    python examples/minimal_plugin.py
"""

from __future__ import annotations

# --8<-- [start:plugin]
from typing import ClassVar

from walletpass import IssuedPass, Pass, PassStatus, Provider
from walletpass.capabilities import Capabilities, Capability, native, none
from walletpass.retry import Safety
from walletpass.transport import VendorRequest, VendorResponse


class StampProvider(Provider):
    """Stamp Passes: ``POST /v1/passes`` and nothing else."""

    name: ClassVar[str] = "stamp"
    default_base_url: ClassVar[str | None] = "https://api.stamp-passes.example"
    capabilities: ClassVar[Capabilities] = Capabilities(
        {
            Capability.CREATE: native("POST /v1/passes"),
            Capability.KIND_GENERIC: native("every pass is generic"),
            Capability.HOLDER_NAME: native("holder"),
            Capability.FIELDS: native("fields, as text"),
            Capability.GET: none("Stamp has no read: keep what create() returned"),
        }
    )

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.require_api_key()}"}

    def build_create(self, new_pass: Pass) -> VendorRequest:
        body = {
            "template": new_pass.template,
            "holder": new_pass.holder.name if new_pass.holder else None,
            "fields": {k: str(v) for k, v in (new_pass.fields or {}).items()},
        }
        return VendorRequest("POST", "/v1/passes", Safety.UNSAFE, json=body)

    def parse_create(self, response: VendorResponse, new_pass: Pass) -> IssuedPass:
        answer = response.json()
        return IssuedPass(
            id=answer["id"],
            vendor_id=answer["id"],
            provider=self.name,
            template=new_pass.template,
            status=PassStatus.ISSUED,
        )


# --8<-- [end:plugin]


def main() -> None:
    from walletpass import Holder, UnsupportedOperation
    from walletpass.testing.recording import DocumentedRoute, RecordingServer

    # A stand-in for Stamp's API, answering as its documentation's example does.
    routes = [DocumentedRoute("POST", "/v1/passes", {"id": "st_1"}, status=201)]
    with (
        RecordingServer(routes) as stamp,
        StampProvider(base_url=stamp.url, api_key="sk_demo") as wallet,
    ):
        issued = wallet.create(
            Pass(template="coffee", holder=Holder(name="Ada Lovelace"), fields={"stamps": 3})
        )
        print(f"issued {issued.id} ({issued.status}); Stamp received {stamp.requests[0].json()}")
        try:
            wallet.get(issued.id)
        except UnsupportedOperation as exc:
            print(f"get refused before sending: {exc}")
        print(f"requests sent: {len(stamp.requests)}")


if __name__ == "__main__":
    main()
