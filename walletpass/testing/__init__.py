"""Testing kit: the pytest plugin, the conformance suite and the emulator harness.

Nothing here is imported by ``walletpass`` itself. ``walletpass.testing.conformance`` is registered
for pytest's assertion rewriting so that a failing conformance check explains itself.
"""

from __future__ import annotations

try:
    import pytest
except ImportError:  # the emulator harness works without pytest
    pass
else:
    pytest.register_assert_rewrite("walletpass.testing.conformance")
