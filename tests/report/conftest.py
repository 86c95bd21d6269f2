"""A headless Chromium that loads an HTML file and reports console errors and the rendered DOM."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

_PROBE = """<script>
window.__errors = [];
const keep = (m) => { window.__errors.push(String(m)); document.documentElement.setAttribute('data-errors', window.__errors.join(' | ')); };
const original = console.error.bind(console);
console.error = (...a) => { keep(a.join(' ')); original(...a); };
window.addEventListener('error', (e) => keep(e.message));
window.addEventListener('unhandledrejection', (e) => keep('unhandled rejection: ' + e.reason));
</script>"""


@dataclass(frozen=True)
class Rendered:
    """The DOM after scripts ran, and every console error / uncaught exception of the page."""

    dom: str
    errors: list[str]


def _browser() -> str | None:
    return next((path for name in ("chromium", "chromium-browser", "google-chrome") if (path := shutil.which(name))), None)


@pytest.fixture(scope="session")
def render_in_browser(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Rendered]:
    """``render_in_browser(path)`` loads ``path`` (a copy with an error probe) in headless Chromium.

    Without Chromium the call skips the test at that point, so that whatever the test checked
    before it (e.g. a whole pipeline run and its report's text) has run and passed.
    """
    browser = _browser()
    work = tmp_path_factory.mktemp("browser")

    def render(path: Path) -> Rendered:
        if browser is None:
            pytest.skip("no Chromium found: install Debian's chromium (`apt-get install chromium`; .ci/run does) to run browser tests")
        probed = work / path.name
        text = path.read_text(encoding="utf-8")
        probed.write_text(text.replace("<head>", "<head>" + _PROBE, 1), encoding="utf-8")
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={work / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=10000",
            "--dump-dom",
            probed.as_uri(),
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
        dom = result.stdout
        errors = [line for line in result.stderr.splitlines() if "CONSOLE" in line and "Uncaught" in line]
        marker = 'data-errors="'
        if marker in dom:
            errors.append(dom.split(marker, 1)[1].split('"', 1)[0])
        if result.returncode != 0 or "<body" not in dom:
            errors.append(f"chromium exited with {result.returncode}: {result.stderr[-500:]}")
        return Rendered(dom, errors)

    return render


def check_report_in_browser(rendered: Rendered) -> None:
    """The report's first section is the verdict, and every figure rendered (an SVG in its div) without console errors."""
    assert rendered.errors == []
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", rendered.dom)
    assert headings and headings[0] == "Verdict", headings[:3]
    figures = re.split(r'<div id="figure-\d+"', rendered.dom)[1:]
    assert figures, "the report holds figures"
    for index, chunk in enumerate(figures, start=1):
        assert 'class="main-svg"' in chunk, f"figure {index} did not render"
