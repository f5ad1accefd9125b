"""Fixtures for the browser tests: the seeded directory (through the REST API) and browsers that are always closed,
with a screenshot and the page source of each one kept when a test fails (ARTIFACTS_DIR, default /tmp)."""
import os
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import escale_ui  # noqa: E402


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.failed_call = report.failed


@pytest.fixture(scope="session")
def users():
    return escale_ui.seed()


@pytest.fixture
def browser(request):
    """A factory: browser(lang, width=..., height=..., mobile=...) starts one more Chromium for this test."""
    drivers = []

    def start(lang, **kw):
        d = escale_ui.new_browser(lang, **kw)
        drivers.append(d)
        return d

    yield start
    keep = getattr(request.node, "failed_call", False)
    out = pathlib.Path(os.environ.get("ARTIFACTS_DIR", "/tmp/escale-browser-artifacts"))
    for i, d in enumerate(drivers):
        try:
            if keep:
                out.mkdir(parents=True, exist_ok=True)
                stem = out / f"{request.node.name}-{i}".replace("[", "-").replace("]", "")
                d.save_screenshot(f"{stem}.png")
                pathlib.Path(f"{stem}.html").write_text(f"<!-- {d.current_url} -->\n" + d.page_source, encoding="utf-8")
                print(f"kept {stem}.png and .html ({d.current_url})", file=sys.stderr)
        finally:
            d.quit()
