"""Reference GPU trainer for aar's command runner (see README.md in this folder)."""
