import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
os.chdir(ROOT)  # doctests and examples use paths relative to the repository root


@pytest.fixture(scope="session")
def baseline():
    import decide

    return decide.load_scenario(ROOT / "inputs" / "baseline.toml")


@pytest.fixture(scope="session")
def two_lever():
    import decide

    return decide.load_scenario(DATA / "two_lever.toml")
