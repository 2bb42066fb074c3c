"""IoT sensors in the core: readings in, alarm rules with hysteresis, one case per alarm episode, health section.

``rules`` is the pure alarm logic (threshold, hysteresis, minimum duration), ``tables`` the downsampled reading
history, ``service`` the SensorService that the composition root wires to the device manager's event batches.
"""
