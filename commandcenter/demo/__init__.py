"""The demo's wing: the simulated city, simulated drones, test RTSP servers, seeding, the simulated duty desk
and the demo accounts — everything ``commandcenter demo`` adds to a real command center.

Production code never imports this package (an import-linter contract in pyproject.toml enforces it): only the
CLI's ``demo`` and ``snapshot --demo`` entry (lazily), tests and benchmarks do. :mod:`commandcenter.demo.session`
composes the demo on :func:`commandcenter.runtime.compose.build`; the demo keeps its data in its own folder.
"""
