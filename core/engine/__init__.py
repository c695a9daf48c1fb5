"""The detection engine: features from frames handed in, rules, detectors and the risk numbers."""
