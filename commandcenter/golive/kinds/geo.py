"""Kinds read from GIS files (GeoJSON, Shapefile, KML): the feature-numbered counterpart of ``sheet_kind``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from commandcenter.golive.features import GeoFeature, read_features
from commandcenter.golive.framework import DataKind, ImportCounts, ImportOptions, PreparedImport, RowProblems

__all__ = ["FeatureFunction", "geo_kind"]

FeatureFunction = Callable[[Session, Sequence[GeoFeature], RowProblems], ImportCounts]


@dataclass(frozen=True, slots=True)
class _GeoKind:
    name: str
    summary: str
    apply_features: FeatureFunction

    def prepare(self, path: Path, options: ImportOptions) -> PreparedImport:
        features = read_features(path, options.crs)

        def apply(session: Session) -> ImportCounts:
            problems = RowProblems(path, unit="feature")
            for f in features:
                if f.problem:
                    problems.add(f.number, "geometry", f.problem)
            counts = self.apply_features(session, [f for f in features if not f.problem], problems)
            problems.raise_if_any()
            return counts

        return PreparedImport(len(features), apply)


def geo_kind(name: str, summary: str, apply_features: FeatureFunction) -> DataKind:
    """A kind read from GeoJSON/Shapefile/KML: ``apply_features`` checks and writes every usable feature,
    adding a problem per bad one (features whose geometry is unusable are reported before it runs)."""
    return _GeoKind(name, summary, apply_features)
