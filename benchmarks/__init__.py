"""Benchmarks of issue 6 (benchmarks/README.md)."""
