"""The HTML outputs opened in a real browser: headless Chromium (Debian's `chromium`) loads each
page from disk with no network, takes a screenshot and dumps the DOM after scripts ran; the tests
assert the page rendered (screenshot not blank, title and axis labels in the DOM) and that the
browser logged no console message (errors from scripts are logged as `CONSOLE` lines)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ofsted_nlp import cli

from .pdf_factory import make_ilacs_report, make_sif_report
from .test_api import save_tiny_model

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on PATH (Debian: apt-get install chromium)")


def _chromium(page: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--disable-extensions", "--enable-logging=stderr", "--v=0",
               f"--user-data-dir={profile}", "--virtual-time-budget=10000", *args, page.resolve().as_uri()]
    env = {**os.environ, "HOME": str(tmp_path)}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def render(page: Path, tmp_path: Path, size=(1200, 1400)) -> tuple[str, Path, list[str]]:
    """(the DOM after scripts ran, a screenshot, the console messages the page logged)."""
    shot = tmp_path / (page.stem + ".png")
    dumped = _chromium(page, tmp_path, "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    shown = _chromium(page, tmp_path, f"--screenshot={shot}", f"--window-size={size[0]},{size[1]}",
                      "--hide-scrollbars")
    assert shown.returncode == 0 and shot.exists(), shown.stderr[-2000:]
    console = [line for line in (dumped.stderr + shown.stderr).splitlines() if ":CONSOLE" in line]
    return dumped.stdout, shot, console


def assert_not_blank(shot: Path) -> None:
    from PIL import Image, ImageStat

    image = Image.open(shot).convert("RGB")
    assert image.size[0] >= 800
    stat = ImageStat.Stat(image.convert("L"))
    assert stat.stddev[0] > 10, "the screenshot is one flat colour"
    colours = image.resize((200, 200)).getcolors(200 * 200)
    assert colours is not None and len(colours) > 20, "too few colours: nothing was drawn"


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("browser")
    model = str(save_tiny_model(root / "model"))
    reports = root / "reports"
    reports.mkdir()
    make_sif_report(reports / "2015-05-12_york_80453.pdf", authority="City of York Council")
    make_ilacs_report(reports / "2022-05-04_york_80453.pdf", authority="York")
    make_ilacs_report(reports / "2025-04-15_york_80453.pdf", authority="York City Council")
    out = {"timeline": root / "timeline.html", "report": root / "report.html"}
    assert cli.main(["timeline", str(reports), "--la", "York", "-o", str(out["timeline"]), "--model", model,
                     "-q", "--workers", "1"]) == 0
    assert cli.main(["report", str(reports / "2022-05-04_york_80453.pdf"), "--format", "html",
                     "-o", str(out["report"]), "--model", model, "-q"]) == 0
    return out


def test_the_console_check_catches_a_broken_page(tmp_path):
    """A control: a page whose script fails must be caught, or the checks below prove nothing."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><head><title>broken</title></head><body><p>text</p>"
                    "<script>console.error('boom'); notAFunction();</script></body></html>", encoding="utf-8")
    dom, _, console = render(page, tmp_path, size=(800, 600))
    assert "<title>broken</title>" in dom
    assert any("notAFunction" in line for line in console) and any("boom" in line for line in console)


def test_timeline_renders_in_chromium(pages, tmp_path):
    dom, shot, console = render(pages["timeline"], tmp_path)
    assert console == []
    assert "<title>York: Ofsted publications 2015-2025, score by area</title>" in dom
    # plotly drew the chart: its SVG is in the DOM with the axis titles and panel titles
    assert 'class="main-svg"' in dom
    labels = set(re.findall(r'data-unformatted="([^"]*)"', dom))
    assert "publication date" in labels and "score" in labels
    assert {"Help and protection", "Children in care", "Care leavers", "Impact of leaders"} <= labels
    assert any(label.startswith("Ofsted: ") for label in labels)
    assert len(re.findall(r'class="point"', dom)) >= 12  # 3 publications x 4 areas at least
    assert_not_blank(shot)


def test_report_page_renders_in_chromium(pages, tmp_path):
    dom, shot, console = render(pages["report"], tmp_path, size=(1100, 1000))
    assert console == []
    assert "<title>York: inspection published 2022-05-04</title>" in dom
    assert dom.count('class="finding ') > 5
    assert "predicted grade" in dom and "Ofsted's grade" in dom
    assert_not_blank(shot)
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    # findings are coloured by polarity: the positive background (#e6f4ea) is on screen
    assert any(abs(r - 0xE6) < 4 and abs(g - 0xF4) < 4 and abs(b - 0xEA) < 4
               for _, (r, g, b) in image.getcolors(1100 * 1000))
