"""mypy passes on the modules listed in pyproject.toml's [tool.mypy] files."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_passes_on_the_typed_modules():
    pytest.importorskip("mypy", reason="mypy is not installed (pip install 'ofsted-nlp[test]')")
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
