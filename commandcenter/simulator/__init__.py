"""Simulators of devices for demos, tests and benchmarks."""
