"""Browser journeys: the real app served on a loopback port, driven by Debian's Chromium."""

import os
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import base_config

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@contextmanager
def demo_server(folder: Path, **settings):
    """The demo district served on a loopback port by the threaded development server;
    yields its base URL and the app (for checks in the database). ``settings`` override
    the test configuration, e.g. ``REDIS_URL``."""
    from flask_migrate import upgrade

    import demo
    from app import create_app
    from core.db import commit

    os.environ["INSTANCE_PATH"] = str(folder)
    config = base_config(folder, f"sqlite:///{folder / 'e2e.sqlite3'}")
    del config["SERVER_NAME"]
    app = create_app({**config, **settings})
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parents[2] / "migrations"))
        demo.seed()
        commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("e2e")) as (url, _app):
        yield url


@pytest.fixture
def phone(browser):
    """A 390×844 phone-sized page, Korean by default."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ko-KR")
    page = context.new_page()
    yield page
    context.close()


def screenshot_path(name: str) -> Path:
    """Where a journey saves a screenshot for people to look at: ``E2E_ARTIFACTS`` (CI keeps
    it) or ``madang-screens`` in the temporary folder."""
    folder = Path(os.environ.get("E2E_ARTIFACTS") or Path(tempfile.gettempdir()) / "madang-screens")
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.png"


# What WCAG 2.2 AA asks that axe can check by machine; a journey fails on anything serious.
AXE_OPTIONS = {"runOnly": {"type": "tag",
                           "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
               "resultTypes": ["violations"]}
BLOCKING_IMPACTS = {"serious", "critical"}


def accessibility_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS).response
    return [f"{rule['id']} ({rule['impact']}) on {page.url}: "
            + "; ".join(node["target"][0] if isinstance(node["target"][0], str)
                        else str(node["target"][0]) for node in rule["nodes"][:5])
            for rule in results["violations"] if rule["impact"] in BLOCKING_IMPACTS]


def assert_accessible(page) -> None:
    found = accessibility_violations(page)
    assert not found, "axe found:\n" + "\n".join(found)


def sign_in_as(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/signin")
    page.get_by_label("이메일").fill(email)
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(f"{base_url}/")
