"""The command center as a service: ``commandcenter serve`` and what a seat needs to know about the server.

- :mod:`commandcenter.server.service`: the headless, long-running server process (QCoreApplication, signals,
  systemd readiness, exit codes).
- :mod:`commandcenter.server.presence`: the server says it is alive on the bus (retained status, last will,
  heartbeat); a seat watches that and its own bus connection (总线离线 / 服务器离线 in the status bar).
- :mod:`commandcenter.server.logs`: one line per record on stdout, in the form journald keeps.

Nothing here imports QtWidgets or QtGui: the server runs on machines without a display.
"""
