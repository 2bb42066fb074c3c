"""Protocol adapters as plain Python: framing, decoding, encoding, links. No Qt, no database, no widgets.

Each adapter turns bytes from a device into plain event dataclasses (``devices.base``) handed to a sink
callable; the runtime in ``commandcenter.runtime`` owns threads, batching and reconnection.
"""
