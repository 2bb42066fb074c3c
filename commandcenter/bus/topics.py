"""Topic names of bus protocol v1 (documented with their payloads in ``docs/bus.md``).

Every topic starts with ``cc/v1/``; a breaking payload change gets ``cc/v2/``. Ids are used as topic levels,
so they must not contain ``/``, ``+`` or ``#``: :func:`level` refuses those.
"""

from __future__ import annotations

PREFIX = "cc/v1"


def level(value: str) -> str:
    """One topic level from an id (an officer id, a case code, a drone id …)."""
    if not value or any(ch in value for ch in "/+#\0"):
        raise ValueError(f"{value!r} cannot be a bus topic level (empty, or contains / + # or NUL)")
    return value


# retained, QoS 0: the latest position of a unit (officer, vehicle, drone as a unit)
def unit_position(unit_id: str) -> str:
    return f"{PREFIX}/units/{level(unit_id)}/position"


UNIT_POSITIONS = f"{PREFIX}/units/+/position"

# QoS 0, not retained: the live stream of positions, {"positions": [...]} per round of the server's tracker
# (≤ 20 rounds a second). One message per round instead of one per unit: 10,000 units reporting every second are
# 20 messages a second on the broker, not 10,000; the retained per-unit topic above is refreshed more slowly.
POSITIONS = f"{PREFIX}/positions"


# retained, QoS 1: a unit's duty/dispatch status
def unit_status(unit_id: str) -> str:
    return f"{PREFIX}/units/{level(unit_id)}/status"


UNIT_STATUSES = f"{PREFIX}/units/+/status"


# QoS 1: a case was created or changed (the seat re-reads it from the database)
def case(code: str) -> str:
    return f"{PREFIX}/cases/{level(code)}"


CASES = f"{PREFIX}/cases/+"


# retained, QoS 1: a device's (tracker, link, listener, camera, sensor) health section
def device_health(device_id: str) -> str:
    return f"{PREFIX}/devices/{level(device_id)}/health"


DEVICE_HEALTH = f"{PREFIX}/devices/+/health"


# retained, QoS 1: a sensor's state, values and alarm as the server last judged them (at most 4 a second)
def sensor_state(sensor_id: str) -> str:
    return f"{PREFIX}/sensors/{level(sensor_id)}/state"


SENSOR_STATES = f"{PREFIX}/sensors/+/state"

# retained, QoS 1: the server's camera_ai health section (only when it has [ai] boxes), every 5 s
CAMERA_AI_HEALTH = f"{PREFIX}/server/camera_ai"


# QoS 1: something a person must see (camera alarm, geofence, sensor, escalation): cc/v1/alarms/{kind}/{id}
def alarm(kind: str, source_id: str) -> str:
    return f"{PREFIX}/alarms/{level(kind)}/{level(source_id)}"


ALARMS = f"{PREFIX}/alarms/#"

# QoS 1: the events dock's lines (severity, text)
EVENTS = f"{PREFIX}/events"


# retained, QoS 0: a drone's telemetry
def drone_telemetry(drone_id: str) -> str:
    return f"{PREFIX}/drones/{level(drone_id)}/telemetry"


DRONE_TELEMETRY = f"{PREFIX}/drones/+/telemetry"


# QoS 1: a seat asks the server to run a command; the reply goes to the seat's own reply topic
def command_request(kind: str, target_id: str) -> str:
    return f"{PREFIX}/commands/{level(kind)}/{level(target_id)}"


COMMAND_REQUESTS = f"{PREFIX}/commands/+/+"


def command_reply(seat_id: str) -> str:
    return f"{PREFIX}/replies/{level(seat_id)}"


# retained, QoS 1 (and the server's last will): {"state": "online" | "offline", "since": ISO time, ...}
SERVER_STATUS = f"{PREFIX}/server/status"
# QoS 0, every second while the server runs: seats call the server offline 3 s after the last one
SERVER_HEARTBEAT = f"{PREFIX}/server/heartbeat"
