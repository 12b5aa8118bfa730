"""Shared fixtures for the version-scheme tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .reference import go_semver, npm_semver


def _cache_dir(request: pytest.FixtureRequest, tmp: pytest.TempPathFactory, name: str) -> Path:
    # pytest's cache survives between runs, so the install or build happens once; without the
    # cache plugin, a temporary directory does for this run.
    cache = getattr(request.config, "cache", None)
    return Path(cache.mkdir(name)) if cache is not None else tmp.mktemp(name)


@pytest.fixture(scope="session")
def npm_semver_module(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """npm's semver package, installed once under pytest's cache directory."""
    return npm_semver(_cache_dir(request, tmp_path_factory, "npm-semver"))


@pytest.fixture(scope="session")
def go_semver_binary(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A compare program over golang.org/x/mod/semver, built once under pytest's cache directory."""
    return go_semver(_cache_dir(request, tmp_path_factory, "go-semver"))
