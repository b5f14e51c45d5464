"""Run the example notebooks (``notebooks/*.py``, jupytext percent scripts) once each.

Shared by the tests (`tests/test_notebooks.py` checks that every cell ran; the
documentation build in `tests/test_docs.py` renders the executed copies, outputs
included) and by ``make docs``::

    python -m tests.run_notebooks build/notebooks

writes ``build/notebooks/<name>.ipynb`` for every notebook that ran through, and exits 1
naming the cell of any that failed. Each runs in a fresh ``python3`` kernel (this
interpreter: ipykernel's spec in the virtual environment) from a scratch working
directory, as the documentation build may run them from anywhere.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

__all__ = ["NOTEBOOKS", "execute", "execute_all"]

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
TIMEOUT = 300  # seconds per cell; each notebook runs in well under a minute
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colours in IPython tracebacks


def execute(path, out_dir):
    """Run notebook ``path``; write the executed copy to ``out_dir/<stem>.ipynb``.

    Returns
    -------
    str or None
        None when every cell ran, else the failing cell's source and traceback (the
        executed copy is then not written).
    """
    import jupytext
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = jupytext.read(path)
    with tempfile.TemporaryDirectory() as scratch:
        client = NotebookClient(nb, kernel_name="python3", timeout=TIMEOUT,
                                resources={"metadata": {"path": scratch}})
        try:
            client.execute()
        except CellExecutionError as exc:  # its text holds the cell's source and traceback
            return _ANSI.sub("", str(exc))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out / f"{Path(path).stem}.ipynb")
    return None


def execute_all(out_dir, paths=None):
    """`execute` every notebook; ``{stem: None or the failure}``."""
    return {Path(p).stem: execute(p, out_dir) for p in (NOTEBOOKS if paths is None
                                                        else paths)}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    out_dir = Path(argv[0] if argv else ROOT / "build" / "notebooks")
    failures = {k: v for k, v in execute_all(out_dir).items() if v is not None}
    for stem, text in failures.items():
        print(f"notebooks/{stem}.py: a cell failed\n{text}", file=sys.stderr)
    print(f"{len(NOTEBOOKS) - len(failures)} of {len(NOTEBOOKS)} notebooks ran; executed "
          f"copies in {out_dir}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
