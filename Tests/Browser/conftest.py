"""Starts `linekit demo` (the emulator and the sample app) and a headless Chromium for the browser tests."""

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

APP_PORT = int(os.environ.get("LINEKIT_DEMO_PORT", "18080"))
EMULATOR_PORT = int(os.environ.get("LINEKIT_DEMO_EMULATOR_PORT", "18123"))


class Demo:
    app = f"http://127.0.0.1:{APP_PORT}"
    emulator = f"http://127.0.0.1:{EMULATOR_PORT}"

    def admin(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.emulator + "/_emulator/v1" + path, data=data, method=method)
        # Every admin request says JSON: the emulator refuses state changes without it (docs/SECURITY.md).
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
            return json.loads(text) if text else None


@pytest.fixture(scope="session")
def demo():
    binary = os.environ.get("LINEKIT_BIN") or str(Path(__file__).resolve().parents[2] / ".build" / "debug" / "linekit")
    assert Path(binary).is_file(), f"{binary} is missing: build the package first"
    process = subprocess.Popen(
        [binary, "demo", "--port", str(APP_PORT), "--emulator-port", str(EMULATOR_PORT)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        first = process.stdout.readline()
        assert "LineKit demo app" in first, f"the demo did not start: {first!r}"
        yield Demo()
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver") or "/usr/lib/chromium/chromedriver"
    assert chromium and Path(driver_path).exists(), "chromium and chromium-driver (Debian packages) are needed"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1100,1000"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(autouse=True)
def fresh(demo, browser):
    """Each test starts logged out, on a reset emulator with no fault rules."""
    demo.admin("POST", "/reset")
    browser.delete_all_cookies()
    browser.get(demo.emulator + "/_emulator/v1/health")
    browser.delete_all_cookies()
    browser.get_log("browser")  # reading the log empties it: each test sees only its own entries
    yield


def screenshot(browser, name):
    """Saves a screenshot when LINEKIT_SCREENSHOTS names a folder (the README's images come from here)."""
    folder = os.environ.get("LINEKIT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(folder) / f"{name}.png"))
