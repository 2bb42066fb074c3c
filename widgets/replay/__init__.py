"""复盘 (incident replay) screen."""
