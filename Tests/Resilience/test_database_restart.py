"""PostgreSQL stopped and started again while an emulator serves a bounded load.

While the database is away a request either waits for it (up to the store's 30-second limit) or is answered LINE's
500 (`{"message":"Internal server error"}` with an `x-line-request-id`): never a crash, a hang or another body. Once the database is
back the emulator serves again by itself, and every push it acknowledged (before, during or after) is stored.

The test runs its own throwaway server (scripts/postgres-test-server start/pause/resume/delete), never the one the
other tests share. Loopback only.
"""

import json
import os
import re
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER = str(ROOT / "scripts" / "postgres-test-server")
BOT_ID, BOT_SECRET = "2000000003", "a1b2c3d4e5f60718293a4b5c6d7e8f90"
BROWN = "U1f2a3b4c5d6e7f8091a2b3c4d5e6f701"
OUTAGE_SECONDS = 4
# The store gives up on one operation after 30 s (docs/SCALING.md); a request may also wait behind the load.
ANSWER_BOUND_SECONDS = 40
# After the database is back the connection pool reconnects on its next retry; after a few seconds away its backoff
# is a few seconds (it grows with the outage, up to a minute).
RESUME_BOUND_SECONDS = 30


def call(method, url, body=None, headers=None, timeout=ANSWER_BOUND_SECONDS + 5):
    """The answer, or status 0 when none came within `timeout` (or the connection failed)."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, headers, text = response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        status, headers, text = error.code, error.headers, error.read().decode()
    except OSError as error:
        status, headers, text = 0, {}, f"no answer: {error!r}"
    return status, headers, text, time.monotonic() - started


def test_database_stopped_and_restarted_under_load():
    binary = os.environ.get("LINEKIT_BIN") or str(ROOT / ".build" / "debug" / "linekit")
    url, folder = subprocess.run([SERVER, "start"], check=True, capture_output=True, text=True).stdout.split()
    log = open(Path(folder) / "emulator.log", "w")
    emulator = subprocess.Popen([binary, "emulator", "--port", "0", "--database", url, "--log-level", os.environ.get("LINEKIT_TEST_LOG_LEVEL", "critical")],
                                stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        base = re.search(r"http://127\.0\.0\.1:\d+", emulator.stdout.readline()).group(0)
        status, _, text, _ = call("POST", base + "/v2/oauth/accessToken", urllib.parse.urlencode({
            "grant_type": "client_credentials", "client_id": BOT_ID, "client_secret": BOT_SECRET}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200, text
        token = json.loads(text)["access_token"]
        push_headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

        acknowledged, answers, lock = [], [], threading.Lock()
        stop = threading.Event()

        def push(number):
            body = json.dumps({"to": BROWN, "messages": [{"type": "text", "text": f"load {number}"}]}).encode()
            status, headers, text, seconds = call("POST", base + "/v2/bot/message/push", body, push_headers)
            with lock:
                answers.append((time.monotonic(), status, headers.get("x-line-request-id"), text, seconds))
                if status == 200:
                    acknowledged.extend(message["id"] for message in json.loads(text)["sentMessages"])
            return status

        for number in range(20):
            assert push(number) == 200, "before the outage"

        def load(worker):
            number = 0
            while not stop.is_set() and number < 2000:
                push(f"{worker}-{number}")
                number += 1
                time.sleep(0.01)

        workers = [threading.Thread(target=load, args=(index,)) for index in range(4)]
        for worker in workers:
            worker.start()
        time.sleep(1)
        subprocess.run([SERVER, "pause", folder], check=True)
        stopped = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        subprocess.run([SERVER, "resume", folder], check=True)
        resumed = time.monotonic()
        # Serves again by itself: a push acknowledged after the restart, within the bound.
        while time.monotonic() - resumed < RESUME_BOUND_SECONDS:
            with lock:
                back = any(at > resumed and status == 200 for at, status, *_ in answers)
            if back:
                break
            time.sleep(0.1)
        time.sleep(1)
        stop.set()
        for worker in workers:
            worker.join(timeout=ANSWER_BOUND_SECONDS + 10)
            assert not worker.is_alive(), "a request hung"
        assert emulator.poll() is None, "the emulator exited"

        first_back = min((at for at, status, *_ in answers if at > resumed and status == 200), default=None)
        assert first_back is not None, f"no push acknowledged within {RESUME_BOUND_SECONDS} s of the restart"
        failures = [(status, request_id, text) for _, status, request_id, text, _ in answers if status != 200]
        # A request in flight when the database went away either failed with LINE's 500 or waited for it to return.
        assert any(status != 200 or seconds > 1 for _, status, _, _, seconds in answers), "the load met the outage"
        for at, status, _, text, seconds in answers:
            if status != 200 or seconds > 1:
                print(f"{at - stopped - seconds:6.2f} s after the stop, {seconds:5.2f} s: {status} {text[:80]}")
        for status, request_id, text in failures:
            assert status == 500 and json.loads(text) == {"message": "Internal server error"} and request_id, (status, text)
        assert max(seconds for *_, seconds in answers) < ANSWER_BOUND_SECONDS
        print(f"\n{len(answers)} pushes, {len(failures)} answered 500 while the database was away; the first push "
              f"after the restart was acknowledged {first_back - resumed:.1f} s after it ({resumed - stopped:.1f} s away)")

        status, _, text, _ = call("GET", base + "/_emulator/v1/messages?to=" + BROWN + "&limit=1000")
        assert status == 200, text
        stored = {message["id"] for message in json.loads(text)["messages"]}
        lost = [identifier for identifier in acknowledged if identifier not in stored]
        assert len(acknowledged) <= 1000, "more acknowledged than one listing shows"
        assert not lost, f"{len(lost)} of {len(acknowledged)} acknowledged pushes lost"
    finally:
        emulator.terminate()
        try:
            emulator.wait(timeout=30)
        except subprocess.TimeoutExpired:
            emulator.kill()
        if os.environ.get("LINEKIT_TEST_LOG_LEVEL"):
            print((Path(folder) / "emulator.log").read_text()[-6000:])
        subprocess.run([SERVER, "delete", folder], check=False)
