"""The 无人机 pilot screen (F4): instruments, commands, messages, tactical map and mission editor."""

from widgets.drones.screen import DronesScreen

__all__ = ["DronesScreen"]
