"""Entry script of the frozen bundle: the same ``nnstudio`` command (GUI and sub-commands)."""

import sys

from nnstudio.cli import main

if __name__ == "__main__":
    sys.exit(main())
