"""Make `python -m nnstudio` behave like the `nnstudio` command."""
from nnstudio.cli import main

raise SystemExit(main())
