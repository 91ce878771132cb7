"""How many worker processes parallel work uses when the caller does not say."""
from __future__ import annotations

import os


def default_jobs(limit: int = 8) -> int:
    """One process per CPU core, at most ``limit``."""
    return max(1, min(limit, os.cpu_count() or 1))
