"""城管通: the officers' side of the command center — the field API ``/field/v1/`` and the web app ``/field/``.

* :mod:`~commandcenter.field.tables` — pairing codes and device tokens (stored hashed);
* :mod:`~commandcenter.field.pairing` — one-time codes, bearer tokens, revocation (shared by the CLI and the server);
* :mod:`~commandcenter.field.service` — what an officer may do (duty, position, tasks, evidence, reports, SOS),
  through the case workflow with the officer as the actor;
* :mod:`~commandcenter.field.waiters` — long polls parked without a thread each, woken by case changes;
* :mod:`~commandcenter.field.http` — the HTTP listener (a device adapter on ``devices.httpserve``);
* :mod:`~commandcenter.field.cli` — ``commandcenter field pair | revoke``.
"""
