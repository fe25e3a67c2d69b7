"""Shared fixtures.

Tests marked ``peers`` build real peer environments from PyPI under
``.nox/peers`` (the same cache ``nox -s matrix`` uses), so a second run reuses
them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))


@pytest.fixture
def project() -> Path:
    return PROJECT
