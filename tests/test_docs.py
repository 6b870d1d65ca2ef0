"""The API reference builds from the docstrings, offline, into a temporary folder (docs/build_api.py)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_api_reference_builds(tmp_path):
    pytest.importorskip("pdoc", reason="pdoc is not installed (pip install 'ofsted-nlp[docs]')")
    output = tmp_path / "site"
    result = subprocess.run([sys.executable, str(ROOT / "docs" / "build_api.py"), str(output)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert (output / "index.html").is_file()
    api = (output / "ofsted_nlp" / "api.html").read_text(encoding="utf-8")
    assert "Classify sentences into a service area and a polarity." in api
    # Pages of modules inside subpackages, and the docstrings of a class's methods.
    finding = (output / "ofsted_nlp" / "models" / "finding.html").read_text(encoding="utf-8")
    assert "FindingClassifier" in finding
    assert (output / "ofsted_nlp" / "reading" / "pdf.html").is_file()


def test_the_build_lists_every_public_module_and_no_private_one():
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import build_api
    finally:
        sys.path.remove(str(ROOT / "docs"))
    modules = build_api.public_modules()
    assert {"ofsted_nlp", "ofsted_nlp.api", "ofsted_nlp.reading", "ofsted_nlp.reading.pdf",
            "ofsted_nlp.models.finding"} <= set(modules)
    assert not any(part.startswith("_") for name in modules for part in name.split("."))
