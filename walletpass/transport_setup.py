"""Building a provider's HTTP transport from its settings and declarations."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata

from walletpass.errors import (
    ConfigurationError,
)
from walletpass.ratelimit import build_limiter
from walletpass.retry import RetryPolicy
from walletpass.settings import ProviderSettings
from walletpass.transport import (
    Timeouts,
    Transport,
    ca_bundle_from_environment,
    default_user_agent,
    network_proxy,
)

__all__ = ["build_transport", "user_agent_for"]


def build_transport(
    *,
    provider: str,
    settings: ProviderSettings,
    default_base_url: str | None,
    default_rate_limit: float | None,
    rate_limit_burst: int,
    auth_headers: Mapping[str, str],
    default_headers: Mapping[str, str],
    user_agent: str,
    retry_after: Callable[[Mapping[str, str]], float | None],
    request_id_headers: Sequence[str],
) -> Transport:
    """The transport for provider ``provider``: base URL, timeouts, retries, rate limiter, pool,
    proxy and CA bundle, all from ``settings`` with the provider's declared defaults.

    Raises:
        ConfigurationError: no base URL (neither configured nor declared), or a rate limiter
            backend that cannot be used.
    """
    base_url = settings.base_url or default_base_url
    if not base_url:
        raise ConfigurationError(f"provider {provider!r} has no base_url", provider=provider)
    rate = settings.rate_limit
    if rate is None:
        rate = default_rate_limit
    backend = settings.rate_limit_backend
    limiter = build_limiter(
        provider=provider,
        rate=rate,
        burst=rate_limit_burst,
        backend=backend.get_secret_value() if backend is not None else None,
        credentials=list(auth_headers.values()),
        fallback_workers=settings.rate_limit_workers,
        # (an attempt gives up on its request past these: it cannot reach the vendor later)
        attempt_time=settings.connect_timeout + settings.timeout,
    )
    return Transport(
        provider=provider,
        base_url=base_url,
        auth_headers=dict(auth_headers),
        default_headers=dict(default_headers),
        timeouts=Timeouts(
            connect=settings.connect_timeout,
            read=settings.timeout,
            total=settings.deadline,
        ),
        policy=RetryPolicy(max_retries=settings.max_retries),
        rate_limiter=limiter,
        user_agent=user_agent,
        retry_after=retry_after,
        request_id_headers=request_id_headers,
        pool_size=max(10, settings.concurrency),
        proxy=network_proxy(base_url, settings.proxy),
        verify=settings.ca_bundle or ca_bundle_from_environment() or True,
        max_answer_bytes=settings.max_answer_size,
    )


def user_agent_for(cls: type, app_info: str | None) -> str:
    """The User-Agent of a provider class: its distribution and version, and the app's info."""
    dist, version = _distribution_of(cls)
    return default_user_agent(dist, version, app_info)


@functools.cache
def _package_distributions() -> Mapping[str, list[str]]:
    try:
        return metadata.packages_distributions()
    except Exception:  # a broken installed distribution must not break the User-Agent
        return {}


def _distribution_of(cls: type) -> tuple[str | None, str | None]:
    top = cls.__module__.split(".")[0]
    # A package named like its distribution (walletpass_acme from walletpass-acme: the usual
    # case) is found directly; scanning every installed distribution takes seconds on a busy
    # machine and would fall inside the first call's deadline.
    try:
        return metadata.distribution(top).name, metadata.version(top)
    except (metadata.PackageNotFoundError, ValueError):
        pass
    dists = _package_distributions().get(top) or []
    if not dists:
        return None, None
    name = dists[0]
    try:
        return name, metadata.version(name)
    except metadata.PackageNotFoundError:
        return name, None
