"""Benchmarks: timings at a million customers, kept out of the test suite (see bench/run.py)."""
