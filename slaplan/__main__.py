"""``python -m slaplan`` runs the command line."""

import sys

from slaplan.cli import main

sys.exit(main())
