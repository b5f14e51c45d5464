import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
os.chdir(ROOT)  # doctests and examples use paths relative to the repository root


@pytest.fixture(scope="session")
def executed_notebooks(tmp_path_factory):
    """Every notebook run once per test session (`tests.run_notebooks`): the folder of
    executed copies and ``{stem: None, or the failing cell and its traceback}``."""
    from .run_notebooks import execute_all

    folder = tmp_path_factory.mktemp("executed_notebooks")
    return folder, execute_all(folder)


@pytest.fixture(scope="session")
def baseline():
    import decide

    return decide.load_scenario(ROOT / "inputs" / "baseline.toml")


@pytest.fixture(scope="session")
def two_lever():
    import decide

    return decide.load_scenario(DATA / "two_lever.toml")
