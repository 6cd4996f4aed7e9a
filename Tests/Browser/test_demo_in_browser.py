"""A person's path through the demo app and the emulator's console, in headless Chromium."""

import json
import re
import time
import urllib.parse
import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from conftest import screenshot

BROWN = "U1f2a3b4c5d6e7f8091a2b3c4d5e6f701"
SALLY = "U3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c03"
BOT_ID = "2000000003"
BOT_SECRET = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
WELCOME = "Welcome to the LineKit demo! Thanks for adding me as a friend."


def log_in(browser, demo, user_id=BROWN, decision="allow"):
    browser.get(demo.app)
    browser.find_element(By.LINK_TEXT, "Log in with LINE").click()
    assert "Log in to LineKit Web Login" in browser.page_source
    browser.find_element(By.CSS_SELECTOR, f'input[name="user_id"][value="{user_id}"]').click()
    browser.find_element(By.CSS_SELECTOR, f'button[value="{decision}"]').click()
    wait_for(browser, "profile-name" if decision == "allow" else "cancelled")


def wait_for(browser, element_id, text=None):
    """The element with `element_id` once the page showing it has loaded (form posts return before that)."""
    wait = WebDriverWait(browser, 15)
    if text is not None:
        wait.until(expected_conditions.text_to_be_present_in_element((By.ID, element_id), text))
    return wait.until(expected_conditions.presence_of_element_located((By.ID, element_id)))


def severe_console_errors(browser):
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def test_allow_shows_the_profile(browser, demo):
    browser.get(demo.app)
    screenshot(browser, "demo-home")
    browser.find_element(By.LINK_TEXT, "Log in with LINE").click()
    screenshot(browser, "consent")
    browser.find_element(By.CSS_SELECTOR, f'input[name="user_id"][value="{BROWN}"]').click()
    browser.find_element(By.CSS_SELECTOR, 'button[value="allow"]').click()
    assert wait_for(browser, "profile-name").text == "Brown"
    assert browser.find_element(By.ID, "friend").text == "yes"
    assert "brown@example.com" in browser.page_source
    screenshot(browser, "demo-profile")
    assert not severe_console_errors(browser)


def test_cancel_shows_the_cancellation(browser, demo):
    log_in(browser, demo, decision="cancel")
    assert browser.find_element(By.ID, "cancelled").text == "Login cancelled"


def test_refresh_verify_and_push_show_up(browser, demo):
    log_in(browser, demo)
    browser.find_element(By.XPATH, '//button[text()="Verify token"]').click()
    wait_for(browser, "flash", "Verified")
    browser.find_element(By.XPATH, '//button[text()="Refresh token"]').click()
    wait_for(browser, "flash", "Refreshed")
    browser.find_element(By.XPATH, '//button[text()="Push a welcome message"]').click()
    wait_for(browser, "flash", "Pushed a welcome message")
    browser.get(demo.emulator + f"/_emulator/console/messages?to={BROWN}")
    assert "Welcome to the LineKit demo, Brown!" in browser.page_source
    screenshot(browser, "console-messages")


def test_unregister_removes_the_consent(browser, demo):
    log_in(browser, demo)
    assert len(demo.admin("GET", f"/users/{BROWN}/consents")["consents"]) == 1
    browser.find_element(By.ID, "unregister").click()
    assert wait_for(browser, "unregistered").text == "You have unregistered"
    assert "LY Corporation" in browser.page_source
    browser.get(demo.emulator + f"/_emulator/console/users/{BROWN}")
    assert "No authorized apps." in browser.page_source
    assert demo.admin("GET", f"/users/{BROWN}/consents")["consents"] == []


def test_a_500_on_the_token_endpoint_shows_the_request_id(browser, demo):
    demo.admin("POST", "/faults", {"method": "POST", "path": "/oauth2/v2.1/token", "action": "status", "status": 500, "count": 1})
    browser.get(demo.app)
    browser.find_element(By.LINK_TEXT, "Log in with LINE").click()
    browser.find_element(By.CSS_SELECTOR, 'button[value="allow"]').click()
    assert wait_for(browser, "line-error").text == "LINE answered with an error"
    assert browser.find_element(By.ID, "error-status").text == "500"
    request_id = browser.find_element(By.ID, "request-id").text
    assert re.fullmatch(r"[0-9a-f]{16}", request_id)
    screenshot(browser, "demo-error")
    logged = demo.admin("GET", "/requests?path=/oauth2/v2.1/token")["requests"]
    assert any(entry["requestID"] == request_id and entry["status"] == 500 for entry in logged)


def test_every_console_page_renders_without_errors(browser, demo):
    log_in(browser, demo)
    browser.get_log("browser")
    for path, name in [
        ("", "console-channels"), ("/users", "console-users"), (f"/users/{BROWN}", "console-user"), ("/tokens", "console-tokens"),
        ("/messages", None), ("/requests", "console-requests"), ("/faults", "console-faults"), ("/clock", "console-clock"),
        ("/webhooks", None),
    ]:
        browser.get(demo.emulator + "/_emulator/console" + path)
        assert "LineKit emulator" in browser.page_source, path
        assert browser.find_element(By.TAG_NAME, "h1").text, path
        if name:
            screenshot(browser, name)
    assert not severe_console_errors(browser)


def point_webhook_at_demo(demo):
    """What the demo does at start, with LINE's own API: the reset before each test forgets the webhook URL."""
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": BOT_ID, "client_secret": BOT_SECRET})
    with urllib.request.urlopen(demo.emulator + "/v2/oauth/accessToken", data=form.encode(), timeout=10) as response:
        token = json.loads(response.read())["access_token"]
    request = urllib.request.Request(
        demo.emulator + "/v2/bot/channel/webhook/endpoint",
        data=json.dumps({"endpoint": demo.app + "/webhook"}).encode(),
        method="PUT",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def console_chat_shows(browser, demo, user_id, text, seconds=15):
    """Whether the console's chat with `user_id` shows `text` within `seconds` (webhooks and replies run after the
    page that caused them has loaded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        browser.get(demo.emulator + f"/_emulator/console/messages?to={user_id}")
        if text in browser.page_source:
            return True
        time.sleep(0.25)
    return False


def test_adding_the_bot_on_consent_brings_the_welcome_by_reply(browser, demo):
    """Consent with "add friend" (bot_prompt) → the emulator sends the demo a signed `follow` webhook → the demo
    replies with the welcome → the console chat shows it. Needs the emulator's webhook side (issue 15)."""
    point_webhook_at_demo(demo)
    browser.get(demo.app)
    browser.find_element(By.LINK_TEXT, "Log in with LINE").click()
    browser.find_element(By.CSS_SELECTOR, f'input[name="user_id"][value="{SALLY}"]').click()
    add_friend = browser.find_element(By.CSS_SELECTOR, 'input[name="add_friend"]')
    assert add_friend.is_selected(), "the demo asks with bot_prompt=normal, so the option is offered and checked"
    screenshot(browser, "consent-add-friend")
    browser.find_element(By.CSS_SELECTOR, 'button[value="allow"]').click()
    assert wait_for(browser, "profile-name").text == "Sally"
    assert browser.find_element(By.ID, "friend").text == "yes"
    assert console_chat_shows(browser, demo, SALLY, WELCOME), "the welcome came by reply to the follow event"
    screenshot(browser, "console-welcome")
    assert not severe_console_errors(browser)


def test_what_the_user_types_in_the_console_chat_is_echoed_by_the_demo(browser, demo):
    """The console's composer sends the demo a `message` webhook; the demo answers it by reply."""
    point_webhook_at_demo(demo)
    log_in(browser, demo)
    browser.get(demo.emulator + f"/_emulator/console/messages?to={BROWN}")
    browser.find_element(By.ID, f"text-{BOT_ID}").send_keys("Is anyone there?")
    browser.find_element(By.CSS_SELECTOR, 'form[action="/_emulator/console/messages/act"] button.primary').click()
    assert console_chat_shows(browser, demo, BROWN, "You said: Is anyone there?"), "the demo echoed by reply"
    browser.get(demo.emulator + "/_emulator/console/webhooks")
    assert "delivered" in browser.page_source and "message" in browser.page_source
    screenshot(browser, "console-webhooks")
    assert not severe_console_errors(browser)
