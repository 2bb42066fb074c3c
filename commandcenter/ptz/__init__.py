"""PTZ: pan, tilt, zoom and presets of ONVIF cameras, driven by intents from the wall and the map."""
