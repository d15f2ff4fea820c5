"""``python -m copydesk``: the same as the ``copydesk`` command."""

import sys

from .cli import main

sys.exit(main())
