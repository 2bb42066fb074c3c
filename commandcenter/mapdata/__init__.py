"""Map data services (Qt-free apart from QtCore signals): tile sources, heatmap, history replay, geofences.

Images cross this package as bytes (or whatever decoder the view hands to a tile source); every blocking
read — network, MBTiles, the store — runs on a worker thread and reports back through queued signals.
"""
