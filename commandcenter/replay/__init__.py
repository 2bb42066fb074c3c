"""复盘: incident replay across map, cases and recorded video, and its report."""
