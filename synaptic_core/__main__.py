"""``python -m synaptic_core``: see synaptic_core/cli.py."""

import sys

from synaptic_core.cli import main

sys.exit(main(sys.argv[1:]))
