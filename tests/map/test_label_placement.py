"""Map names are readable: no two labels overlap (zones first, then water/parks/squares, streets, 责任区), and
the Chinese name of a north–south street is stacked upright character by character, as Chinese maps print it."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QFontMetricsF

from tests.map.test_screen import new_map, screen  # noqa: F401 - fixtures
from widgets.map.screen import MapScreen
from widgets.map.vector import LABEL_FONT, PRIORITY_ZONE, Label, label_box


def test_no_two_labels_overlap_and_zone_and_river_names_both_show(screen: MapScreen) -> None:  # noqa: F811
    screen.canvas.static.set_part_visible("areas", True)
    screen.view.grab()  # render
    placed = screen.canvas.static.placed
    assert len(placed) >= 10
    boxes = [box.bounds for _label, box in placed]
    overlaps = [(placed[i][0].text, placed[j][0].text) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
                if boxes[i].intersects(boxes[j])]
    assert not overlaps, overlaps
    texts = {label.text for label, _box in placed}
    zones = [label for part in ("zones",) for label in screen.canvas.static.parts[part][1]
             if label.priority == PRIORITY_ZONE]
    assert zones and all(z.text in texts for z in zones), "every management zone keeps its name"
    assert "秦淮河" in texts, "the river's name is moved aside, not hidden under a 管控点"
    everything = [label for key, (_s, labels) in screen.canvas.static.parts.items()
                  if key in screen.canvas.static.visible_parts for label in labels]
    assert len(everything) > len(placed), "the district has colliding names: the pass had work to do"


def test_a_vertical_street_name_is_stacked_upright(screen: MapScreen) -> None:  # noqa: F811
    metrics = QFontMetricsF(LABEL_FONT)
    box = label_box(metrics, Label("中华路", 0.0, 0.0, "#ffffff", LABEL_FONT, 88.0), QPointF(100, 100))
    assert box.upright and box.angle == 0.0
    assert box.height >= 3 * metrics.height() - 0.5 and box.width < 2 * metrics.horizontalAdvance("中")
    slanted = label_box(metrics, Label("中华路", 0.0, 0.0, "#ffffff", LABEL_FONT, 30.0), QPointF(100, 100))
    assert not slanted.upright and slanted.angle == 30.0
    screen.view.grab()
    upright = [label.text for label, box in screen.canvas.static.placed if box.upright]
    assert upright, "the district's north–south streets are named upright"
    assert all(abs(label.angle) >= 60 for label, box in screen.canvas.static.placed if box.upright)
