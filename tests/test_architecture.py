"""The package's shape: every submodule reachable under its own name (no function
shadows the module it lives in), and every public name declared in ``__all__``."""

import importlib
import pkgutil

import pytest

import decide

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
