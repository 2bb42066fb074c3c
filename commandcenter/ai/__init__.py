"""AI camera detections (Frigate, Hikvision ISAPI) → one deduplicated path to cases, evidence, dispatch and the wall.

``rules`` maps a box's detection to a case category by the config's ``[ai.frigate]`` / ``[ai.isapi]`` rules;
``service`` runs the path; ``links`` builds the boxes' adapters for the device manager.
"""
