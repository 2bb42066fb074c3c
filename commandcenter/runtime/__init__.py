"""Runtime: device manager, unit tracker, health report, application context."""
