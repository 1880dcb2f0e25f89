"""Runnable, type-checked programs using taskcluster-sdk; see the README, "Examples".

Run one from the repository root with `python -m examples.<name> --help`.
`tests/test_examples.py` runs each against `taskcluster_sdk.testing`.
"""
