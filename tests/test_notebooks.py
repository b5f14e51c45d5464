"""The example notebooks (notebooks/*.py, jupytext percent scripts) run from top to
bottom: each is read with jupytext and executed by nbclient in a fresh kernel, from a
temporary working directory (the documentation build may run them from anywhere), and a
failing cell fails the test with its source and error. Their assert cells check the
numbers they show.

The kernel is the ``python3`` spec that ipykernel installs into the virtual environment
(``.venv/share/jupyter/kernels/python3``): jupyter_client finds it through
``sys.prefix`` and starts it with this interpreter, so no user-level ``ipykernel
install`` is needed.

The notebooks are stored as percent scripts, which cannot hold outputs; a stray
``.ipynb`` beside them would (and would go stale), so there must be none.
"""

import sys

import pytest

from .conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def test_the_notebooks_are_there():
    names = [p.stem for p in PATHS]
    assert len(names) >= 4, names
    for prefix in ("01_first_allocation", "02_sensitivity_uncertainty",
                   "03_calibration_validation", "04_discovery_experts"):
        assert prefix in names


def test_no_notebook_is_stored_with_outputs():
    assert not list(NOTEBOOKS.rglob("*.ipynb"))


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_the_notebook_reads_as_a_jupytext_percent_script(path):
    import jupytext

    nb = jupytext.read(path)
    assert nb.metadata["jupytext"]["text_representation"]["format_name"] == "percent"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    kinds = [c.cell_type for c in nb.cells]
    assert kinds[0] == "markdown" and nb.cells[0].source.startswith("# ")
    assert "code" in kinds
    assert any("assert " in c.source for c in nb.cells if c.cell_type == "code")


def test_the_python3_kernel_is_this_interpreter():
    # jupyter_client starts a spec whose argv[0] is "python" with sys.executable; a
    # user-level spec naming another interpreter would run the notebooks elsewhere.
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    assert spec.argv[0] in ("python", "python3", sys.executable), (spec.resource_dir,
                                                                  spec.argv)


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_the_notebook_runs(path, executed_notebooks):
    # run once per session (tests/run_notebooks.py), shared with the documentation build
    folder, failures = executed_notebooks
    if failures[path.stem] is not None:
        pytest.fail(f"{path.name}: a cell failed\n{failures[path.stem]}", pytrace=False)
    assert (folder / f"{path.stem}.ipynb").is_file()


def test_a_failing_cell_is_reported_with_its_source(tmp_path):
    from .run_notebooks import execute

    script = tmp_path / "99_broken.py"
    script.write_text("# %% [markdown]\n# # Broken\n\n# %%\nx = 1\n\n# %%\n"
                      "assert x == 2, 'x is not two'\n")
    failure = execute(script, tmp_path / "out")
    assert "assert x == 2" in failure and "x is not two" in failure
    assert not (tmp_path / "out" / "99_broken.ipynb").exists()
