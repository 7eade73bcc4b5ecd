"""Where things live: the repository's geodata, the seeds and the data directory.

Every path can be overridden through the environment so that tests and
deployments never write into the checkout by accident.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Repository root (``src/urbanmap/config.py`` -> two levels up from ``src``).
REPO_ROOT = Path(__file__).resolve().parents[2]


def geodata_dir() -> Path:
    """Committed, read-only reference data (admin boundaries, layers, targets)."""
    return Path(os.environ.get("URBANMAP_GEODATA_DIR", REPO_ROOT / "geodata"))


def data_dir() -> Path:
    """Writable data directory: the layer store, users, audit log.

    Defaults to ``var/`` in the checkout (git-ignored); ``URBANMAP_DATA_DIR``
    moves it anywhere.
    """
    return Path(os.environ.get("URBANMAP_DATA_DIR", REPO_ROOT / "var"))


def seeds_dir() -> Path:
    """The plan texts every number is traced back to (``../shared/seeds``)."""
    return Path(os.environ.get("URBANMAP_SEEDS_DIR", REPO_ROOT.parent / "shared" / "seeds"))


def static_dir() -> Path:
    """Files Streamlit serves at ``/app/static`` (vendored Leaflet etc.)."""
    return REPO_ROOT / "static"
