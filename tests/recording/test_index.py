"""The segment index: spans fold touching segments, a camera that dropped leaves a gap, windows select files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from commandcenter.recording.index import RecordingIndex, Segment, add_segment, delete_segments

T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def _seg(name: str, start_s: float, end_s: float, size: int = 1000) -> Segment:
    return Segment(f"/rec/{name}.mp4", T0 + timedelta(seconds=start_s), T0 + timedelta(seconds=end_s), size)


def test_spans_fold_touching_segments_and_a_drop_is_a_gap(store) -> None:  # type: ignore[no-untyped-def]
    _spans_and_gaps(store)


def test_the_index_on_postgresql(pg_store) -> None:  # type: ignore[no-untyped-def]
    pg_store.upgrade()
    _spans_and_gaps(pg_store)
    [cam1, cam2, _uav] = RecordingIndex(pg_store.engine).summary()
    assert (cam1.camera_id, cam1.segments, cam1.oldest, cam1.newest) == ("cam-1", 3, T0, T0 + timedelta(seconds=360))
    assert cam2.bytes == 1000


def _spans_and_gaps(store) -> None:  # type: ignore[no-untyped-def]
    for seg in (_seg("a", 0, 60), _seg("b", 60, 120), _seg("c", 300, 360)):
        store.write(add_segment("cam-1", seg))
    store.write(add_segment("cam-2", _seg("other", 0, 60)))
    store.write(add_segment("uav-1-video", _seg("uav", 100, 160), "uav-1"))  # a drone's downlink
    index = RecordingIndex(store.engine)
    assert index.drones_recorded(T0, T0 + timedelta(hours=1)) == {"uav-1": "uav-1-video"}
    assert index.drones_recorded(T0, T0 + timedelta(seconds=100)) == {}  # its segment starts at +100 s

    spans = index.spans("cam-1", T0, T0 + timedelta(hours=1))
    assert [(s.start, s.end, s.paths) for s in spans] == [
        (T0, T0 + timedelta(seconds=120), ["/rec/a.mp4", "/rec/b.mp4"]),
        (T0 + timedelta(seconds=300), T0 + timedelta(seconds=360), ["/rec/c.mp4"]),
    ]
    assert index.gaps("cam-1") == [(T0 + timedelta(seconds=120), T0 + timedelta(seconds=300))]
    assert index.missing("cam-1", T0 + timedelta(seconds=30), T0 + timedelta(seconds=400)) == [
        (T0 + timedelta(seconds=120), T0 + timedelta(seconds=300)),
        (T0 + timedelta(seconds=360), T0 + timedelta(seconds=400)),
    ]
    assert index.locate("cam-1", T0 + timedelta(seconds=75)) == (_seg("b", 60, 120), 15.0)
    assert index.locate("cam-1", T0 + timedelta(seconds=200)) == (_seg("c", 300, 360), 0.0)  # in the gap: next
    assert index.locate("cam-1", T0 + timedelta(seconds=360)) is None
    window = index.segments("cam-1", T0 + timedelta(seconds=90), T0 + timedelta(seconds=310))
    assert [s.path for s in window] == ["/rec/b.mp4", "/rec/c.mp4"]
    assert window[0].start.tzinfo is not None and window[0].bytes == 1000


def test_summary_and_retention_order(store) -> None:  # type: ignore[no-untyped-def]
    for seg in (_seg("new", 600, 660, 500), _seg("old", 0, 60, 700)):
        store.write(add_segment("cam-1", seg))
    index = RecordingIndex(store.engine)
    [cam] = index.summary()
    assert (cam.camera_id, cam.segments, cam.bytes) == ("cam-1", 2, 1200)
    assert (cam.oldest, cam.newest) == (T0, T0 + timedelta(seconds=660))
    oldest = index.oldest(1)
    assert [seg.path for _, seg in oldest] == ["/rec/old.mp4"]
    store.write(delete_segments([row_id for row_id, _ in oldest]))
    assert index.total_bytes() == 500


def test_camera_ids_make_safe_folder_names() -> None:
    from commandcenter.recording.segments import camera_dir_name

    assert camera_dir_name("新街口-01") == "新街口-01"
    assert camera_dir_name("../etc") == "_.._etc"
    assert camera_dir_name("..") == "_.." and camera_dir_name("") == "_" and camera_dir_name("a/b c") == "a_b_c"
