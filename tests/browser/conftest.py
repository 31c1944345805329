"""Headless Chromium (Playwright's sync API) against pytest-django's live server."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not os.path.exists(CHROMIUM):
        skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def chromium(monkeypatch):
    """A browser per test: Playwright's event loop lives in this thread only while the test runs,
    and Django must allow the test's own ORM calls meanwhile (never set outside browser tests)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()
        # ORM calls made while Playwright runs open their own connection (it switches the
        # context Django keys connections by); close it, or the test database cannot be dropped.
        connections.close_all()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_selector("#backoffice-links")


@pytest.fixture
def login(page, live_server):
    return lambda username, password: log_in(page, live_server, username, password)


@pytest.fixture
def thread_worker(redis_conn):
    """A real RQ worker in a thread of the test process, working the queue until the test ends."""
    import threading

    from django.db import connection

    from automation.queueing import get_queue
    from automation.worker import ThreadWorker

    stop = threading.Event()

    def work() -> None:
        queue = get_queue()
        try:
            while not stop.is_set():
                ThreadWorker([queue], connection=queue.connection).work(burst=True)
                stop.wait(0.2)
        finally:
            connection.close()  # the thread's own connection, or the test database could not be dropped

    thread = threading.Thread(target=work, name="browser-test-worker", daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=30)
