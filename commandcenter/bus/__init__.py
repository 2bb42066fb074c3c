"""The live-event bus between the server and the seats.

The database is the truth; the bus only says what changed. The server publishes (positions, case changes,
device health, alarms, drone telemetry, command replies); seats subscribe, and re-read the database after any
gap. Two implementations of one contract (:class:`Bus`):

- :class:`commandcenter.bus.local.InProcessBus`: the embedded default (``commandcenter demo``, ``run`` without
  ``[bus]``): server and seat parts in one process exchange the same messages through the same interface.
- ``commandcenter.bus.mqtt.MqttBus``: an MQTT 3.1.1/5 broker (Mosquitto, EMQX) through paho-mqtt.

Topics and payloads are documented in ``docs/bus.md``; the names are built by :mod:`commandcenter.bus.topics`.
"""

from commandcenter.bus.api import Bus, BusMessage, BusState, Handler, JsonObject, JsonValue, topic_matches
from commandcenter.bus.local import InProcessBus

__all__ = ["Bus", "BusMessage", "BusState", "Handler", "InProcessBus", "JsonObject", "JsonValue", "topic_matches"]
