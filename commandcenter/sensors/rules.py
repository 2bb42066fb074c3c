"""Alarm rules on sensor measures: a threshold, hysteresis and a minimum duration. Pure logic, no Qt, no I/O.

A bin that reads 81 % once is not full: the value must stay beyond the threshold for ``for_s`` seconds (judged by
the readings' own times) before the alarm is raised, and a reading back under the threshold before that resets
the wait. Once raised, the alarm holds until the value is back beyond the *clear* threshold (hysteresis), so a
level wobbling around 80 % is one alarm episode, not a case every other poll.

``RuleTracker.apply`` returns what happened for each (sensor, rule) pair: ``raised`` (a new episode: open a case),
``persisting`` (still in alarm: note it now and then) or ``cleared`` (note it and end the episode).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

Transition = Literal["raised", "persisting", "cleared"]


@dataclass(frozen=True, slots=True)
class SensorRule:
    """One rule (the core's copy of a ``[[sensor_rules]]`` entry, with its defaults resolved)."""

    index: int  # position in the config: a stable key for the rule's episodes
    measure: str
    category: str
    above: float | None = None
    clear_below: float | None = None
    below: float | None = None
    clear_above: float | None = None
    for_s: float = 0.0
    kinds: tuple[str, ...] = ()
    zone_kinds: tuple[str, ...] = ()

    def beyond(self, value: float) -> bool:
        """The alarm condition: above the threshold (or below it, for a below-rule)."""
        if self.above is not None:
            return value > self.above
        return self.below is not None and value < self.below

    def back(self, value: float) -> bool:
        """The clear condition: back beyond the clear threshold (the alarm threshold when none is given)."""
        if self.above is not None:
            return value < (self.clear_below if self.clear_below is not None else self.above)
        if self.below is not None:
            return value > (self.clear_above if self.clear_above is not None else self.below)
        return True

    def describe(self) -> str:
        if self.above is not None:
            return f"{self.measure} > {self.above:g}"
        return f"{self.measure} < {self.below:g}"


@dataclass(slots=True)
class RuleState:
    """Where one sensor stands with one rule."""

    pending_since: float | None = None  # when the value first went beyond the threshold (not yet long enough)
    active_since: float | None = None  # when the current alarm episode was raised


@dataclass(frozen=True, slots=True)
class RuleEvent:
    sensor_id: str
    rule: SensorRule
    transition: Transition
    value: float
    time: float
    episode_start: float  # the reading time the episode was raised at (its key)


@dataclass
class RuleTracker:
    """The rules that apply to each sensor and each (sensor, rule) pair's state."""

    rules: Sequence[SensorRule]
    states: dict[tuple[str, int], RuleState] = field(default_factory=dict)

    def restore(self, sensor_id: str, rule_index: int, since: float) -> None:
        """An episode still open from before a restart (its case is open): it goes on instead of a second case."""
        self.states[(sensor_id, rule_index)] = RuleState(active_since=since)

    def active(self, sensor_id: str) -> list[SensorRule]:
        return [r for r in self.rules if (state := self.states.get((sensor_id, r.index))) is not None
                and state.active_since is not None]

    def apply(self, sensor_id: str, applicable: Sequence[SensorRule], values: dict[str, float],
              when: float) -> list[RuleEvent]:
        """Feed one reading; the episodes it raised, continued or cleared."""
        out: list[RuleEvent] = []
        for rule in applicable:
            value = values.get(rule.measure)
            if value is None:
                continue
            state = self.states.setdefault((sensor_id, rule.index), RuleState())
            if state.active_since is not None:
                since = state.active_since
                if rule.back(value):
                    state.active_since = state.pending_since = None
                    out.append(RuleEvent(sensor_id, rule, "cleared", value, when, since))
                else:
                    out.append(RuleEvent(sensor_id, rule, "persisting", value, when, since))
                continue
            if not rule.beyond(value):
                state.pending_since = None
                continue
            if state.pending_since is None:
                state.pending_since = when
            if when - state.pending_since >= rule.for_s:
                state.active_since = when
                state.pending_since = None
                out.append(RuleEvent(sensor_id, rule, "raised", value, when, when))
        return out
