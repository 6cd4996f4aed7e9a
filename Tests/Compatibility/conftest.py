"""Starts the real `linekit emulator` binary for the compatibility tests and stops it afterwards."""

import json
import os
import re
import subprocess
import urllib.request
from pathlib import Path

import pytest

from emulator_pair import EmulatorPair


class Emulator:
    """A running emulator: its base URL and helpers for its admin API."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def admin(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + "/_emulator/v1" + path, data=data, method=method)
        # Every admin request says JSON: the emulator refuses state changes without it (docs/SECURITY.md).
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
            return json.loads(text) if text else None

    def messages(self, to: str):
        return self.admin("GET", f"/messages?to={to}")["messages"]


@pytest.fixture(scope="session")
def emulator():
    """One in-memory emulator; with LINEKIT_COMPAT_TOPOLOGY=pair, two on the PostgreSQL server that
    LINEKIT_TEST_POSTGRES_URL names, behind nginx round robin, so every other request goes to the other instance."""
    binary = os.environ.get("LINEKIT_BIN")
    if not binary:
        root = Path(__file__).resolve().parents[2]
        binary = str(root / ".build" / "debug" / "linekit")
    assert Path(binary).is_file(), f"{binary} is missing: build the package first (swift build)"
    if os.environ.get("LINEKIT_COMPAT_TOPOLOGY") == "pair":
        server = os.environ.get("LINEKIT_TEST_POSTGRES_URL")
        assert server, "LINEKIT_COMPAT_TOPOLOGY=pair needs LINEKIT_TEST_POSTGRES_URL (scripts/postgres-test-server)"
        pair = EmulatorPair(binary, server)
        try:
            yield Emulator(pair.base_url)
        finally:
            pair.stop()
        return
    process = subprocess.Popen(
        [binary, "emulator", "--port", "0", "--in-memory", "--log-level", "error"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        banner = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+", banner)
        assert match, f"no base URL in the emulator's banner: {banner!r}"
        yield Emulator(match.group(0))
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(autouse=True)
def fresh_state(emulator):
    """Every test starts from the seed."""
    emulator.admin("POST", "/reset")
    yield
