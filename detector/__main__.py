"""``python -m detector`` is ``cdr-detector``."""

import sys

from .cli import main

sys.exit(main())
