"""Shared test fixtures: where the repository and its reference project are."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_STACKS = ("dev", "staging", "production", "gcp-dev", "azure-dev")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
