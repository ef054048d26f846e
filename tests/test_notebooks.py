"""Every notebook in ``notebooks/`` runs top to bottom without an error, and is committed
without outputs.

The notebooks run in a ``python3`` kernel from ipykernel (a ``test`` extra) with the
repository root as working directory. jupyter_client starts that kernel with the interpreter
running these tests when the kernel spec is ipykernel's own (``python -m ipykernel_launcher``),
and ``JUPYTER_PREFER_ENV_PATH`` makes the spec installed in this environment win over any
per-user ``python3`` spec, so no ``ipykernel install`` step is needed.
"""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT

pytestmark = pytest.mark.notebooks

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT_S = 600
_ids = lambda p: p.name  # noqa: E731


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks/*.ipynb found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, (
        f"{path.name}: code cells {dirty} hold outputs or execution counts; commit notebooks clean "
        f"(e.g. `jupyter nbconvert --clear-output --inplace {path.relative_to(ROOT)}`)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_notebook_runs_top_to_bottom(path, monkeypatch):
    monkeypatch.setenv("JUPYTER_PREFER_ENV_PATH", "1")  # this environment's python3 kernel, not a user's
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, kernel_name="python3", timeout=CELL_TIMEOUT_S, resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()  # raises CellExecutionError (with the cell and its traceback) on the first error
    errors = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"]
    assert not errors
