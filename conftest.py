"""Settings shared by every test directory (the core's and each provider's)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Property tests check what is translated and refused, never how fast: timing is the benchmarks'
# job (benchmarks/). On a loaded two-core machine an example's first run (imports, pydantic model
# builds) overruns any per-example deadline, and generating data can trip the too-slow check,
# failing a test whose property holds. HYPOTHESIS_PROFILE=hypothesis-default restores both.
settings.register_profile("walletpass", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "walletpass"))
