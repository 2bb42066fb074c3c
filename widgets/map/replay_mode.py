"""The live map's history replay mode: switching between live and replayed units, the trip of the selected unit.

Kept apart from :class:`~widgets.map.screen.MapScreen` (which arranges the panels and wires clicks): this is the one
place that knows what changes on the map when a replayed period is loaded, played and left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from widgets.map.screen import MapScreen


class ReplayMode:
    """Replay on ``screen``: its ``history`` service loads a period, its clock moves the replayed units."""

    def __init__(self, screen: MapScreen) -> None:
        self.screen = screen
        self.active = False
        history = screen.history
        if history is not None:
            history.loaded.connect(self.on_loaded)
            history.clock.time_changed.connect(self.on_time)

    def stop(self) -> None:
        """Back to live positions."""
        s = self.screen
        if s.history is not None:
            s.history.clock.pause()
        self.active = False
        s.replay_layers.show_trip(None, s.proj)
        s.replay.show_trip(None)
        s.replay_layers.set_visible(False, cases=False)
        s.units.set_visible(True)
        s.cases.item.setVisible(s.layer_visible("cases"))
        s.replay.set_loaded(False)
        s.refresh_details()

    def on_loaded(self, summary: object) -> None:
        s = self.screen
        assert s.history is not None
        self.active = True
        s.units.set_visible(False)
        s.cases.item.setVisible(False)
        s.replay_units.clear()
        s.replay_layers.set_visible(True, cases=s.layer_visible("cases"))
        s.replay.set_loaded(True)
        s.status_label.setText(str(summary))
        self.show_trip()
        self.on_time(s.history.clock.time)

    def show_trip(self) -> None:
        """While replaying, the selected unit's route, stops and trip summary (Traccar's replay report)."""
        s = self.screen
        unit_id = s.units.selected
        trip = s.history.trip(unit_id) if s.history is not None and self.active and unit_id else None
        s.replay_layers.show_trip(trip, s.proj)
        name = next((u.name for u in s.tracker.units() if u.id == unit_id), unit_id or "")
        s.replay.show_trip(trip, name)

    def on_time(self, t: float) -> None:
        s = self.screen
        if s.history is None or not self.active:
            return
        s.replay_layers.draw(s.history, t, {u.id: u for u in s.tracker.units()}, s.proj)
        s.replay.show_time(t)
        s.follower.step()
        s.refresh_details()
