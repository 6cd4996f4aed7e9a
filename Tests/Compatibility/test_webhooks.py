"""LINE's official Python SDK judges the emulator's webhooks: its WebhookParser verifies and parses every payload the
emulator delivers, and its MessagingApi sets, reads and tests the webhook endpoint and replies."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from linebot.v3 import WebhookParser, messaging, oauth
from linebot.v3.webhooks import (
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
)

import openapi_schemas

BOT_ID = "2000000003"
BOT_SECRET = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
BROWN = "U1f2a3b4c5d6e7f8091a2b3c4d5e6f701"
SALLY = "U3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c03"
MSG = "messaging-api.yml"


class Receiver:
    """A webhook receiver on a loopback port: it keeps each request's signature and exact body, and answers 200."""

    def __init__(self):
        self.requests = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                received.append((dict(self.headers), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count, timeout=10):
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            assert time.monotonic() < deadline, f"{len(self.requests)} of {count} webhooks arrived"
            time.sleep(0.02)
        return self.requests

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


def messaging_api(emulator):
    token = oauth.ChannelAccessToken(oauth.ApiClient(oauth.Configuration(host=emulator.base_url))).issue_channel_token(
        "client_credentials", BOT_ID, BOT_SECRET
    )
    configuration = messaging.Configuration(host=emulator.base_url, access_token=token.access_token)
    return messaging.MessagingApi(messaging.ApiClient(configuration))


def act(emulator, user, **action):
    return emulator.admin("POST", f"/users/{user}/actions", {"channelId": BOT_ID, **action})


def test_webhook_parser_verifies_and_parses_every_event_the_emulator_sends(emulator, receiver):
    emulator.admin("PUT", f"/channels/{BOT_ID}/webhook", {"url": receiver.url, "active": True})
    actions = [
        (SALLY, {"type": "follow"}),
        (SALLY, {"type": "unfollow"}),
        (SALLY, {"type": "follow"}),
        (BROWN, {"type": "text", "text": "Hello 🍎"}),
        (BROWN, {"type": "sticker", "packageId": "446", "stickerId": "1988"}),
        (BROWN, {"type": "postback", "data": "action=buy&itemid=1", "params": {"datetime": "2026-12-01T18:00"}}),
    ]
    # One emulator keeps a user's events in order; behind a proxy, consecutive actions may reach different instances,
    # which send independently. Waiting for each webhook keeps the arrival order the order of the actions in both.
    for count, (user, action) in enumerate(actions, start=1):
        act(emulator, user, **action)
        receiver.wait_for(count)
    first = emulator.admin("GET", "/webhook-deliveries")["deliveries"][-1]
    emulator.admin("POST", f"/webhook-deliveries/{first['id']}/redeliver")
    requests = receiver.wait_for(7)

    parser = WebhookParser(BOT_SECRET)
    events = []
    for headers, body in requests:
        assert headers["Content-Type"] == "application/json; charset=utf-8"
        assert headers["User-Agent"] == "LineBotWebhook/2.0"
        parsed = parser.parse(body.decode(), headers["x-line-signature"], as_payload=True)
        assert parsed.destination.startswith("U") and len(parsed.destination) == 33
        assert len(parsed.events) == 1
        events.append(parsed.events[0])

    follow, unfollow, refollow, text, sticker, postback, redelivered = events
    assert isinstance(follow, FollowEvent) and follow.follow.is_unblocked is False and follow.reply_token
    assert follow.source.user_id == SALLY and follow.mode.value == "active"
    assert isinstance(unfollow, UnfollowEvent) and not hasattr(unfollow, "reply_token")
    assert isinstance(refollow, FollowEvent) and refollow.follow.is_unblocked is True
    assert isinstance(text, MessageEvent) and isinstance(text.message, TextMessageContent)
    assert text.message.text == "Hello 🍎" and text.message.quote_token and text.reply_token
    assert isinstance(sticker.message, StickerMessageContent)
    assert (sticker.message.package_id, sticker.message.sticker_id) == ("446", "1988")
    assert isinstance(postback, PostbackEvent) and postback.postback.data == "action=buy&itemid=1"
    assert postback.postback.params == {"datetime": "2026-12-01T18:00"}
    assert all(not event.delivery_context.is_redelivery for event in events[:6])
    assert isinstance(redelivered, FollowEvent) and redelivered.delivery_context.is_redelivery
    assert redelivered.webhook_event_id == follow.webhook_event_id

    # A changed body or another channel's secret is refused by LINE's parser too.
    headers, body = requests[3]
    with pytest.raises(Exception):
        parser.parse(body.decode() + " ", headers["x-line-signature"])
    with pytest.raises(Exception):
        WebhookParser("7c4b9e1f2a3d5e6f8091a2b3c4d5e6f7").parse(body.decode(), headers["x-line-signature"])


def test_messaging_api_sets_gets_and_tests_the_webhook_endpoint_and_replies(emulator, receiver):
    api = messaging_api(emulator)
    api.set_webhook_endpoint(messaging.SetWebhookEndpointRequest(endpoint=receiver.url))
    got = api.get_webhook_endpoint_with_http_info()
    openapi_schemas.validate(json.loads(got.raw_data), MSG, "/v2/bot/channel/webhook/endpoint", "get", 200)
    assert got.data.endpoint == receiver.url and got.data.active is True

    tested = api.test_webhook_endpoint_with_http_info(messaging.TestWebhookEndpointRequest(endpoint=receiver.url))
    openapi_schemas.validate(json.loads(tested.raw_data), MSG, "/v2/bot/channel/webhook/test", "post", 200)
    assert tested.data.success is True and tested.data.status_code == 200 and tested.data.reason == "OK"
    headers, body = receiver.wait_for(1)[0]
    assert WebhookParser(BOT_SECRET).parse(body.decode(), headers["x-line-signature"]) == []

    with pytest.raises(messaging.ApiException) as invalid:
        api.set_webhook_endpoint(messaging.SetWebhookEndpointRequest(endpoint="ftp://example.com/hook"))
    assert invalid.value.status == 400
    assert json.loads(invalid.value.body) == {"message": "Invalid webhook endpoint URL"}

    act(emulator, BROWN, type="text", text="Anyone there?")
    headers, body = receiver.wait_for(2)[1]
    event = WebhookParser(BOT_SECRET).parse(body.decode(), headers["x-line-signature"])[0]
    request = messaging.ReplyMessageRequest(reply_token=event.reply_token, messages=[messaging.TextMessage(text="Yes!")])
    replied = api.reply_message_with_http_info(request)
    openapi_schemas.validate(json.loads(replied.raw_data), MSG, "/v2/bot/message/reply", "post", 200)
    assert len(replied.data.sent_messages) == 1 and replied.data.sent_messages[0].id.isdigit()
    assert [message["message"]["text"] for message in emulator.messages(BROWN)] == ["Yes!"]

    with pytest.raises(messaging.ApiException) as used:
        api.reply_message(request)
    assert used.value.status == 400
    error = json.loads(used.value.body)
    openapi_schemas.validate(error, MSG, "/v2/bot/message/reply", "post", 400)
    assert error == {"message": "Invalid reply token"}
