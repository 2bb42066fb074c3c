"""Which detection of which box becomes which case category: the ``[ai.*] rules`` of the config, checked once."""

from __future__ import annotations

from dataclasses import dataclass

from commandcenter.cases.categories import CategoryTable
from commandcenter.config import AiConfig, ConfigError
from devices.camera_ai import CameraDetection

__all__ = ["AiRule", "RuleBook"]


@dataclass(frozen=True, slots=True)
class AiRule:
    """One rule: detections of ``kind`` from a ``source`` box (in ``zone``, at ``min_score``) open ``category``.

    ``name`` is how the rule is quoted in the events dock and the case ("ai.frigate.rules[0] person@sidewalk").
    """

    name: str
    source: str  # "frigate" | "isapi"
    kind: str
    category: str
    zone: str = ""
    min_score: float = 0.0

    def matches(self, detection: CameraDetection) -> bool:
        if detection.source != self.source:
            return False
        if self.source == "isapi":
            return detection.kind.lower() == self.kind.lower()
        return (detection.kind == self.kind and detection.score >= self.min_score
                and (not self.zone or self.zone in detection.zones))


class RuleBook:
    """The rules of every box in config order; the first that matches a detection wins."""

    def __init__(self, rules: list[AiRule]) -> None:
        self.rules = rules

    @classmethod
    def from_config(cls, ai: AiConfig, categories: CategoryTable, source: str = "config") -> RuleBook:
        """Rules whose category is a code of the categories table; ConfigError names the rule otherwise."""
        rules: list[AiRule] = []
        if ai.frigate is not None:
            for i, f in enumerate(ai.frigate.rules):
                where = f"ai.frigate.rules[{i}]"
                rules.append(AiRule(f"{where} {f.label}{'@' + f.zone if f.zone else ''}", "frigate", f.label,
                                    _category(categories, f.category, where, source), f.zone, f.min_score))
        if ai.isapi is not None:
            for i, h in enumerate(ai.isapi.rules):
                where = f"ai.isapi.rules[{i}]"
                rules.append(AiRule(f"{where} {h.event}", "isapi", h.event,
                                    _category(categories, h.category, where, source)))
        return cls(rules)

    def match(self, detection: CameraDetection) -> AiRule | None:
        return next((rule for rule in self.rules if rule.matches(detection)), None)


def _category(categories: CategoryTable, code: str, where: str, source: str) -> str:
    category = categories.get(code)
    if category is None:
        raise ConfigError(f"{source}: {where}.category: {code!r} is not a case category code "
                          "(see resources/cases/categories.csv)")
    return category.code
