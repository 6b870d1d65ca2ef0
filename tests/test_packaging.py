"""The wheel is what users install: it builds without warnings, carries its data and entry point,
and, installed into a fresh virtual environment, runs ``ofsted-nlp --version`` and loads the
labelled data from ``$OFSTED_NLP_DATA``."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

import ofsted_nlp

ROOT = Path(__file__).resolve().parent.parent
LABELLED_DATA = ROOT / "labelled_data"


def run(args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> tuple[Path, str]:
    """The wheel built from a copy of the source (the checkout gets no build/ or egg-info)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "ofsted_nlp", source / "ofsted_nlp", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp / "dist"
    result = run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation",
                  "-w", str(out), str(source)])
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    wheels = list(out.glob("ofsted_nlp-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0], result.stdout + result.stderr


@pytest.mark.slow
def test_wheel_builds_without_setuptools_warnings(wheel):
    _, log = wheel
    lines = [line for line in log.splitlines() if "warning" in line.lower() or "deprecat" in line.lower()]
    # pip's own notes and byte-compiling being switched off by PYTHONDONTWRITEBYTECODE are not ours.
    ours = [line for line in lines if "byte-compiling is disabled" not in line and "pip as the 'root'" not in line
            and "pip version" not in line]
    assert ours == []


@pytest.mark.slow
def test_wheel_carries_metadata_data_and_types(wheel):
    path, _ = wheel
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"ofsted_nlp-{ofsted_nlp.__version__}.dist-info/METADATA").decode()
        entry_points = archive.read(f"ofsted_nlp-{ofsted_nlp.__version__}.dist-info/entry_points.txt").decode()
    assert "ofsted_nlp/py.typed" in names
    assert "ofsted_nlp/default_model/model.onnx" in names and "ofsted_nlp/tfidf_model/finding_model.json" in names
    assert "ofsted_nlp/tfidf_model/area/weights.npz" in names and "ofsted_nlp/default_model/tokenizer.json" in names
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
    assert f"Version: {ofsted_nlp.__version__}" in metadata
    for extra in ("train", "tracking", "baselines", "spark", "browser", "tables", "test", "pymupdf", "all"):
        assert f"Provides-Extra: {extra}" in metadata
    # the base install reads PDFs with a permissive library; PyMuPDF (AGPL) only with its extra
    assert "Requires-Dist: pypdfium2>=5.0\n" in metadata
    assert "Requires-Dist: pymupdf>=1.24; extra == \"pymupdf\"" in metadata
    assert "skops" not in metadata  # nothing imports it
    assert "ofsted-nlp = ofsted_nlp.cli:main" in entry_points


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv (seeing this interpreter's packages) with only the wheel installed into it."""
    path, _ = wheel
    env_dir = tmp_path_factory.mktemp("venv") / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False, symlinks=True).create(env_dir)
    python = env_dir / "bin" / "python"
    result = run([str(python), "-m", "pip", "install", "--no-deps", "--quiet", str(path)])
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return env_dir


def venv_env(env_dir: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "OFSTED_NLP_DATA")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(env_dir)
    env.update(extra)
    return env


@pytest.mark.slow
def test_installed_wheel_is_the_one_imported_and_reports_its_version(installed, tmp_path):
    env = venv_env(installed)
    # cwd is an empty folder, so the checkout's package cannot shadow the installed one.
    result = run([str(installed / "bin" / "ofsted-nlp"), "--version"], env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"ofsted-nlp {ofsted_nlp.__version__}"
    where = run([str(installed / "bin" / "python"), "-c", "import ofsted_nlp; print(ofsted_nlp.__file__)"],
                env=env, cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(installed), where.stdout + where.stderr


@pytest.mark.slow
def test_installed_wheel_loads_labelled_data_from_environment(installed, tmp_path):
    if not (LABELLED_DATA / "gold.jsonl").exists():
        pytest.skip("labelled_data/gold.jsonl is not in this checkout")
    code = "from ofsted_nlp import data; d = data.load_dataset(); print(sum(len(s) for s in d.values()))"
    result = run([str(installed / "bin" / "python"), "-c", code],
                 env=venv_env(installed, OFSTED_NLP_DATA=str(LABELLED_DATA)), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-4000:]
    assert int(result.stdout.strip().splitlines()[-1]) > 1000


@pytest.mark.slow
def test_installed_wheel_run_from_a_checkout_finds_its_labelled_data(installed, tmp_path):
    if not (LABELLED_DATA / "gold.jsonl").exists():
        pytest.skip("labelled_data/gold.jsonl is not in this checkout")
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "labelled_data").symlink_to(LABELLED_DATA)
    code = "from ofsted_nlp import data; d = data.load_dataset(); print(sum(len(s) for s in d.values()))"
    result = run([str(installed / "bin" / "python"), "-c", code], env=venv_env(installed), cwd=checkout)
    assert result.returncode == 0, result.stderr[-4000:]
    assert int(result.stdout.strip().splitlines()[-1]) > 1000


@pytest.mark.slow
def test_installed_wheel_without_data_says_how_to_point_to_it(installed, tmp_path):
    code = "from ofsted_nlp import data; data.load_dataset()"
    result = run([str(installed / "bin" / "python"), "-c", code], env=venv_env(installed), cwd=tmp_path)
    assert result.returncode != 0
    assert "DataError" in result.stderr
    assert "OFSTED_NLP_DATA" in result.stderr


def test_missing_labelled_data_folder_raises_data_error(tmp_path, monkeypatch):
    from ofsted_nlp import data
    from ofsted_nlp.errors import DataError

    monkeypatch.setenv("OFSTED_NLP_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match="OFSTED_NLP_DATA"):
        data.labelled_data_dir()


def test_cli_version(capsys):
    from ofsted_nlp import cli

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"ofsted-nlp {ofsted_nlp.__version__}"
