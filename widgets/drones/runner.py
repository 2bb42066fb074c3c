"""Sending a command to the selected drone: confirmation first, the call on the commander's threads, the result
back on the GUI thread. Every panel of the pilot screen sends through one runner, so results read alike."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from commandcenter.drones.fleet import CommandResult, DroneFleet


class CommandRunner(QObject):
    """``sent(text)`` when a command leaves, ``finished(label, drone id, result)`` when it is answered (the
    result is a :class:`CommandResult`, or ``(CommandResult, MissionPlan)`` for a mission download)."""

    sent = Signal(str)
    finished = Signal(str, str, object)

    def __init__(self, fleet: DroneFleet, commands: Any, confirm: Callable[[str], bool],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.fleet = fleet
        self.commands = commands
        self.selected: str | None = None
        self.pending: list[Future[Any]] = []
        self._confirm = confirm

    def send(self, label: str, call: Callable[[str], Future[Any]], confirm_text: str = "", **values: str) -> None:
        """Run ``call(drone_id)`` for the selected drone, after confirming ``confirm_text`` ({name}, values)."""
        drone_id = self.selected
        if drone_id is None:
            return
        if confirm_text and not self._confirm(confirm_text.format(name=self.fleet.name(drone_id), **values)):
            return
        sent = QCoreApplication.translate("CommandRunner", "{0}: sent to {1}…")
        self.sent.emit(sent.format(label, self.fleet.name(drone_id)))
        self.watch(label, drone_id, call(drone_id))

    def watch(self, label: str, drone_id: str, future: Future[Any]) -> None:
        """Report ``future``'s result as ``finished`` on the GUI thread (a failure becomes a refused result)."""
        self.pending.append(future)

        def done(f: Future[Any]) -> None:
            try:
                result = f.result()
            except Exception as exc:  # a bug in a commander must still reach the pilot's eyes
                result = CommandResult(False, "ERROR", str(exc))
            try:
                self.finished.emit(label, drone_id, result)  # queued: emitted from the commander's thread
            except RuntimeError:  # the screen was closed while the command ran
                pass

        future.add_done_callback(done)

    def forget_done(self) -> None:
        self.pending = [f for f in self.pending if not f.done()]


def may_send(commands: Any, action: str) -> bool:
    """Whether the seat's user may send ``action`` (a commander from ``DroneCommands`` knows, recording nothing).

    Views ask before offering a control or issuing an automatic request: a view never sends what its user may
    not, so the audit chain holds one refusal per attempt a person made, not one per redraw.
    """
    allowed = getattr(commands, "allowed", None)
    return bool(allowed(action)) if callable(allowed) else True


def as_result(future: Future[Any], what: str) -> Future[CommandResult]:
    """A file write's Future as a command result, so the status line reports it like any command."""
    outer: Future[CommandResult] = Future()

    def done(f: Future[Any]) -> None:
        exc = f.exception()
        outer.set_result(CommandResult(False, "ERROR", str(exc)) if exc is not None
                         else CommandResult(True, "SAVED", what))

    future.add_done_callback(done)
    return outer
