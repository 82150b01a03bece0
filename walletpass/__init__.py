"""walletpass: issue and manage Apple Wallet / Google Wallet passes through any pass vendor.

One provider-neutral API (``connect(...).create(Pass(...))``), vendors switched by configuration,
vendor backends as plugins, and a fake provider that behaves like the real thing for tests.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from walletpass._version import __version__

# Names load on first use (PEP 562), so ``import walletpass`` stays cheap for the CLI's --help,
# the pytest plugin and applications that import it at start-up but issue passes later. Type
# checkers and IDEs read the imports below, which are never executed at run time.
if TYPE_CHECKING:
    from walletpass.bulk import BulkProgress
    from walletpass.capabilities import (
        Capabilities,
        Capability,
        Declaration,
        Support,
        emulated,
        native,
        none,
    )
    from walletpass.config import connect, from_config
    from walletpass.errors import (
        AlreadyRedeemed,
        AuthenticationError,
        BusinessRuleError,
        ConfigurationError,
        ConfigurationWarning,
        Conflict,
        FieldProblem,
        InvalidResponse,
        NotFound,
        OutcomeUnknown,
        PassExpired,
        PermissionDenied,
        ProviderNotFound,
        ProviderUnavailable,
        QuotaExceeded,
        RateLimited,
        UnsupportedFeature,
        UnsupportedFeatureWarning,
        UnsupportedOperation,
        ValidationError,
        WalletPassError,
        WebhookError,
        WebhookVerificationError,
    )
    from walletpass.events import EventSubscription, PassEvent, PassEventType
    from walletpass.model import (
        Balance,
        Barcode,
        BarcodeFormat,
        Beacon,
        BulkItem,
        BulkResult,
        Color,
        Colors,
        Event,
        Holder,
        ImageRef,
        ImageRole,
        IssuedPass,
        Location,
        Nfc,
        Pass,
        PassField,
        PassKind,
        PassStatus,
        PassUpdate,
        PassUrls,
        Redemption,
    )
    from walletpass.provider import (
        PROVIDER_API_VERSION,
        ErrorInfo,
        ErrorRule,
        ListFilters,
        Page,
        Provider,
    )
    from walletpass.registry import available_providers, register_provider, unregister_provider
    from walletpass.retry import Safety
    from walletpass.settings import ProviderSettings, TemplateAlias
    from walletpass.transport import VendorRequest, VendorResponse


_EXPORTS: dict[str, str] = {
    "AlreadyRedeemed": "walletpass.errors",
    "AuthenticationError": "walletpass.errors",
    "Balance": "walletpass.model",
    "Barcode": "walletpass.model",
    "BarcodeFormat": "walletpass.model",
    "Beacon": "walletpass.model",
    "BulkItem": "walletpass.model",
    "BulkProgress": "walletpass.bulk",
    "BulkResult": "walletpass.model",
    "BusinessRuleError": "walletpass.errors",
    "Capabilities": "walletpass.capabilities",
    "Capability": "walletpass.capabilities",
    "Color": "walletpass.model",
    "Colors": "walletpass.model",
    "ConfigurationError": "walletpass.errors",
    "ConfigurationWarning": "walletpass.errors",
    "Conflict": "walletpass.errors",
    "Declaration": "walletpass.capabilities",
    "ErrorInfo": "walletpass.provider",
    "ErrorRule": "walletpass.provider",
    "Event": "walletpass.model",
    "FieldProblem": "walletpass.errors",
    "Holder": "walletpass.model",
    "ImageRef": "walletpass.model",
    "ImageRole": "walletpass.model",
    "InvalidResponse": "walletpass.errors",
    "IssuedPass": "walletpass.model",
    "ListFilters": "walletpass.provider",
    "Location": "walletpass.model",
    "Nfc": "walletpass.model",
    "NotFound": "walletpass.errors",
    "OutcomeUnknown": "walletpass.errors",
    "PROVIDER_API_VERSION": "walletpass.provider",
    "Page": "walletpass.provider",
    "Pass": "walletpass.model",
    "PassExpired": "walletpass.errors",
    "PassField": "walletpass.model",
    "PassKind": "walletpass.model",
    "PassStatus": "walletpass.model",
    "PassUpdate": "walletpass.model",
    "PassUrls": "walletpass.model",
    "PermissionDenied": "walletpass.errors",
    "Provider": "walletpass.provider",
    "ProviderNotFound": "walletpass.errors",
    "ProviderSettings": "walletpass.settings",
    "ProviderUnavailable": "walletpass.errors",
    "QuotaExceeded": "walletpass.errors",
    "RateLimited": "walletpass.errors",
    "Redemption": "walletpass.model",
    "Safety": "walletpass.retry",
    "Support": "walletpass.capabilities",
    "TemplateAlias": "walletpass.settings",
    "UnsupportedFeature": "walletpass.errors",
    "UnsupportedFeatureWarning": "walletpass.errors",
    "UnsupportedOperation": "walletpass.errors",
    "ValidationError": "walletpass.errors",
    "VendorRequest": "walletpass.transport",
    "VendorResponse": "walletpass.transport",
    "WalletPassError": "walletpass.errors",
    "WebhookError": "walletpass.errors",
    "WebhookVerificationError": "walletpass.errors",
    "PassEvent": "walletpass.events",
    "PassEventType": "walletpass.events",
    "EventSubscription": "walletpass.events",
    "__version__": "walletpass._version",
    "available_providers": "walletpass.registry",
    "connect": "walletpass.config",
    "emulated": "walletpass.capabilities",
    "from_config": "walletpass.config",
    "native": "walletpass.capabilities",
    "none": "walletpass.capabilities",
    "register_provider": "walletpass.registry",
    "unregister_provider": "walletpass.registry",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'walletpass' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = [
    "PROVIDER_API_VERSION",
    "AlreadyRedeemed",
    "AuthenticationError",
    "Balance",
    "Barcode",
    "BarcodeFormat",
    "Beacon",
    "BulkItem",
    "BulkProgress",
    "BulkResult",
    "BusinessRuleError",
    "Capabilities",
    "Capability",
    "Color",
    "Colors",
    "ConfigurationError",
    "ConfigurationWarning",
    "Conflict",
    "Declaration",
    "ErrorInfo",
    "ErrorRule",
    "Event",
    "EventSubscription",
    "FieldProblem",
    "Holder",
    "ImageRef",
    "ImageRole",
    "InvalidResponse",
    "IssuedPass",
    "ListFilters",
    "Location",
    "Nfc",
    "NotFound",
    "OutcomeUnknown",
    "Page",
    "Pass",
    "PassEvent",
    "PassEventType",
    "PassExpired",
    "PassField",
    "PassKind",
    "PassStatus",
    "PassUpdate",
    "PassUrls",
    "PermissionDenied",
    "Provider",
    "ProviderNotFound",
    "ProviderSettings",
    "ProviderUnavailable",
    "QuotaExceeded",
    "RateLimited",
    "Redemption",
    "Safety",
    "Support",
    "TemplateAlias",
    "UnsupportedFeature",
    "UnsupportedFeatureWarning",
    "UnsupportedOperation",
    "ValidationError",
    "VendorRequest",
    "VendorResponse",
    "WalletPassError",
    "WebhookError",
    "WebhookVerificationError",
    "__version__",
    "available_providers",
    "connect",
    "emulated",
    "from_config",
    "native",
    "none",
    "register_provider",
    "unregister_provider",
]
