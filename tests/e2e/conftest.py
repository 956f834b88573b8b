"""Browser journeys: the real app served on a loopback port, driven by Debian's Chromium."""

import os
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


def sign_in_as(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/signin")
    page.get_by_label("이메일").fill(email)
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(f"{base_url}/")


def assert_accessible(page) -> None:
    """axe-core (shipped inside the axe-playwright-python package) finds nothing serious or
    critical on the page as it stands."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    serious = [(rule["id"], rule["impact"], [node["target"] for node in rule["nodes"]][:3])
               for rule in found if rule["impact"] in ("serious", "critical")]
    assert serious == [], f"{page.url}: {serious}"
