"""``python -m walletpass``: the same as the ``walletpass`` command (and as
``python -m walletpass.cli``), for an environment whose scripts directory is not on ``PATH``."""

from walletpass.cli import main

raise SystemExit(main())
