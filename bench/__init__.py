"""Benchmarks: one module per area, each exposing ``run(quick: bool = False) -> dict``."""
