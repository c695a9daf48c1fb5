"""Hypothesis profiles for the property suite (tests/property).

`ci` (the default, `make test`): a fixed, derandomised set of examples, no example database, so
every run checks the same folders and the suite stays within its minute on 2 cores. `bench`
(`HYPOTHESIS_PROFILE=bench`, run by `make bench`): many more random folders, for finding new
failures; keep each one it finds as an `@example` in test_any_valid_folder.py.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
               print_blob=True)
settings.register_profile("ci", max_examples=10, derandomize=True, database=None, **_COMMON)
settings.register_profile("bench", max_examples=300, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# How many generated folders also go through every page and the export (AppTest is the slow part).
PAGE_EXAMPLES = {"ci": 2, "bench": 40}.get(os.environ.get("HYPOTHESIS_PROFILE", "ci"), 2)
