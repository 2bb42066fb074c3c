"""Drone operations core: the fleet service, mission planning and validation, plan files, the pilot CLI."""
