"""The package's shape: every submodule reachable under its own name (no function
shadows the module it lives in), and every public name declared in ``__all__``."""

import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import decide

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(m.name for m in pkgutil.walk_packages(decide.__path__, "decide."))


@pytest.mark.parametrize("name", MODULES)
def test_no_attribute_shadows_a_submodule(name):
    parent, _, child = name.rpartition(".")
    module = importlib.import_module(name)
    assert getattr(importlib.import_module(parent), child) is module


@pytest.mark.parametrize("name", MODULES)
def test_public_names_are_declared(name):
    module = importlib.import_module(name)
    if name.endswith("__main__"):
        return
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    for public in module.__all__:
        assert hasattr(module, public), f"{name}.__all__ lists missing {public}"


def _lint_imports(*args):
    exe = os.path.join(os.path.dirname(sys.executable), "lint-imports")
    return subprocess.run([exe, "--no-cache", *args], capture_output=True, text=True,
                          cwd=ROOT)


def test_import_contracts_hold():
    """models < scenario < optimization < analyses < reporting < cli | ui, no cycles,
    streamlit only in the app, solvers only in decide.optimization (pyproject.toml)."""
    out = _lint_imports()
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


def test_import_contracts_can_fail(tmp_path):
    config = tmp_path / "contracts.toml"
    config.write_text('[tool.importlinter]\nroot_packages = ["decide", "models"]\n'
                      '[[tool.importlinter.contracts]]\nname = "inverted on purpose"\n'
                      'type = "layers"\nlayers = ["models", "decide.optimization"]\n')
    out = _lint_imports("--config", str(config))
    assert out.returncode != 0 and "BROKEN" in out.stdout
