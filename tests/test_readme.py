"""Every code snippet in README.md runs.

- The ```python block runs as one script, as written, from the repository root.
- Each ``decide ...`` line of the ```sh blocks runs through the project's console script
  (``decide = "decide.cli:main"``, i.e. ``.venv/bin/decide``) in one temporary directory
  holding a copy of ``inputs/``, in order (``decide solve result.json`` replays the export
  an earlier line writes), and must exit with 0 and write the files it names.
- ``make <target>`` (in a block or in the prose) is not run - ``make test`` would recurse
  into this suite and ``make run`` starts a server - but the target must exist in the
  Makefile.

Runtime, measured on the shared 2-CPU development machine (idle / loaded by other jobs):
the Python block takes 17 s / 30-45 s, 7.5 s / 17-20 s of it in
``decide.monte_carlo(sc, n=10**6, seed=1, executor="processes")``: under the 30 s we allow
one README line, so it runs as written. The command lines take about 60 s / 87 s as
written, 13 s / 23 s of it in ``decide monte-carlo ... --n 1000000``; that line runs with a
smaller ``--n`` (`SUBSTITUTIONS`), otherwise unchanged (the Python block runs a million
draws as written), and the rows it writes are checked against that ``--n``. The other
lines run as written, 48 s when idle: mostly process start-up and imports (1.2-2 s a
line; ``decide discover`` with 2,000 instead of 10,000 draws saved only 1-3 of its 7 s,
so it is left as written). This file: 66 s when idle.
"""

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from .conftest import ROOT

README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"^```(\w*)\n(.*?)^```", README, flags=re.S | re.M)
PYTHON = [body for lang, body in BLOCKS if lang == "python"]
SHELL = [line.strip() for lang, body in BLOCKS if lang == "sh"
         for line in body.splitlines() if line.strip()]
CLI = [line for line in SHELL if line.startswith("decide ")]
MAKE = [line for line in SHELL if line.startswith("make ")]
#: README text -> what the test runs instead, with the reason (see the module docstring).
SUBSTITUTIONS = {
    "--n 1000000": ("--n 20000", "a million draws take ~23 s from the command line; the "
                                 "Python block runs a million draws as written"),
}
DECIDE = Path(sys.executable).parent / "decide"  # the console script beside this python


def test_the_readme_has_the_snippets_this_file_runs():
    assert len(PYTHON) == 1
    assert len(CLI) >= 20 and len(MAKE) >= 2
    assert all(line.startswith(("decide ", "make ")) for line in SHELL), SHELL
    assert DECIDE.exists(), f"{DECIDE}: run the tests with the project's .venv/bin/python"


def test_the_python_block_runs_as_written(tmp_path):
    script = tmp_path / "readme.py"
    script.write_text(PYTHON[0])
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


def _makefile_targets():
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", text, flags=re.M))


def test_every_make_target_named_exists():
    named = {line.split()[1] for line in MAKE} | set(re.findall(r"`make (\w+)`", README))
    assert {"run", "test"} <= named
    assert named <= _makefile_targets(), named - _makefile_targets()


def _as_run(line):
    """The command line the test runs for README ``line``, and the substitutions made."""
    used = [old for old in SUBSTITUTIONS if old in line]
    for old in used:
        line = line.replace(old, SUBSTITUTIONS[old][0])
    argv = shlex.split(line, comments=True)
    return [str(DECIDE), *argv[1:]], used


def _outputs(argv):
    """Files a command line says it writes (``--out`` and ``--plot``)."""
    return [argv[i + 1] for i, a in enumerate(argv[:-1]) if a in ("--out", "--plot")]


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory):
    """Runs the README's command lines in order in one directory, each once."""
    workdir = tmp_path_factory.mktemp("readme_cli")
    shutil.copytree(ROOT / "inputs", workdir / "inputs")
    done = {}

    def run(k):
        for j in range(k + 1):
            if j not in done:
                argv, _ = _as_run(CLI[j])
                done[j] = subprocess.run(argv, cwd=workdir, capture_output=True,
                                         text=True, timeout=300)
        return done[k]

    return workdir, run


@pytest.mark.parametrize("k", range(len(CLI)), ids=[f"{k:02d}" for k in range(len(CLI))])
def test_the_command_line_runs(k, cli_runs):
    workdir, run = cli_runs
    argv, _ = _as_run(CLI[k])
    done = run(k)
    assert done.returncode == 0, f"{CLI[k]}\n{done.stderr[-3000:]}"
    for name in _outputs(argv):
        assert (workdir / name).stat().st_size > 0, name
        if name.endswith(".parquet") and "--n" in argv:
            n = int(argv[argv.index("--n") + 1])
            assert len(pd.read_parquet(workdir / name)) == n


def test_every_substitution_applies_to_one_readme_line():
    for old in SUBSTITUTIONS:
        assert sum(old in line for line in CLI) == 1, old


def test_the_exported_result_replays_to_the_same_answer(cli_runs):
    _, run = cli_runs
    lines = [shlex.split(line, comments=True) for line in CLI]
    solve = lines.index(["decide", "solve", "inputs/baseline.toml"])
    replay = lines.index(["decide", "solve", "result.json"])
    assert solve < replay and run(replay).returncode == 0
    assert run(replay).stdout == run(solve).stdout
