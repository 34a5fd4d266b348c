"""Fixtures shared by the flow's tests."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from models.paths import BUILD_DIR

TEST_BUILD_ROOT = BUILD_DIR / "pytest"


def _emptied(folder: Path) -> Path:
    """The folder, created empty: nothing a previous run left can pass for this run's output."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def checkout_build_dir(request: pytest.FixtureRequest) -> Path:
    """An empty folder for this test's Verilator builds at a fixed place in the checkout,
    build/pytest/<module>/<test>.

    Under pytest's temporary folders a build's path changed with every run, and so did the C++
    Verilator generates (it names the sources relative to the build folder): ccache missed every
    such compile (38 of the regression's 282). Here the text is the same in every run and every
    clone."""
    module = request.node.module.__name__.rsplit(".", 1)[-1]
    name = request.node.originalname
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None:
        # Parameter ids can be long sentences of source text; a digest keeps the path short.
        name += "_" + hashlib.sha1(callspec.id.encode()).hexdigest()[:8]
    return _emptied(TEST_BUILD_ROOT / module / name)


@pytest.fixture(scope="session")
def worker_build_dir(worker_id: str) -> Path:
    """A folder at a fixed place in the checkout for builds that the tests of one pytest-xdist
    worker share (build/pytest/shared_<worker>), emptied once per session."""
    return _emptied(TEST_BUILD_ROOT / f"shared_{worker_id}")
