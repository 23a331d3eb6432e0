"""Benchmarks: every figure is a ratio against a baseline run in the same invocation, or a distribution."""
