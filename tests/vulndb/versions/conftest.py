"""Shared fixtures for the version-scheme tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .reference import go_semver, npm_semver


@pytest.fixture(scope="session")
def npm_semver_module(request: pytest.FixtureRequest) -> Path:
    """npm's semver package, installed once under pytest's cache directory."""
    return npm_semver(Path(request.config.cache.mkdir("npm-semver")))


@pytest.fixture(scope="session")
def go_semver_binary(request: pytest.FixtureRequest) -> Path:
    """A compare program over golang.org/x/mod/semver, built once under pytest's cache directory."""
    return go_semver(Path(request.config.cache.mkdir("go-semver")))
