"""``python -m walletpass.cli``: the same as the ``walletpass`` command."""

from walletpass.cli import main

raise SystemExit(main())
