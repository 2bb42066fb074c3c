"""Recording: cameras remuxed to segmented MP4 on the server, an index of segments, clips as evidence (issue 17)."""
