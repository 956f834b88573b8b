"""Shared fixtures: the real election data, read in place from the shared data folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared data folder; missing data skips, except under CI=true where it fails."""
    if not DATA.is_dir():
        reason = f"real election data not found at {DATA} (the shared data folder)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return DATA


@pytest.fixture(scope="session")
def expected(data_dir: Path):
    """Load one reference outcome from ``expected/`` by file name."""

    def load(name: str) -> dict:
        return json.loads((data_dir / "expected" / name).read_text(encoding="utf-8"))

    return load
