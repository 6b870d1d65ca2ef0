"""mypy passes on the whole package (pyproject.toml's [tool.mypy] files)."""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_covers_the_whole_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert config["files"] == ["ofsted_nlp"]
    assert "ignore_missing_imports" not in config and "ignore_errors" not in config
    assert all("ignore_errors" not in override for override in config.get("overrides", []))


def test_mypy_passes_on_the_package():
    pytest.importorskip("mypy", reason="mypy is not installed (pip install 'ofsted-nlp[test]')")
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
