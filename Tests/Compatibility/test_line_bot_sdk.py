"""LINE's official Python SDK (line-bot-sdk 3.x), unmodified but for Configuration(host=...), against the emulator.

Every response body an operation documents in LINE's OpenAPI documents is also validated against its schema.
"""

import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from linebot.v3 import messaging, oauth

import openapi_schemas

BOT_ID = "2000000003"
BOT_SECRET = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
BROWN = "U1f2a3b4c5d6e7f8091a2b3c4d5e6f701"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CAT = "channel-access-token.yml"
MSG = "messaging-api.yml"


def oauth_api(emulator):
    return oauth.ChannelAccessToken(oauth.ApiClient(oauth.Configuration(host=emulator.base_url)))


def messaging_api(emulator, token):
    configuration = messaging.Configuration(host=emulator.base_url, access_token=token)
    return messaging.MessagingApi(messaging.ApiClient(configuration))


def body(response):
    return json.loads(response.raw_data)


class Signer:
    """An RSA 2048 key registered on the bot channel, signing assertions as LINE's JWT guide shows (PyJWT)."""

    def __init__(self, emulator, channel_id=BOT_ID):
        self.channel_id = channel_id
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        public.update({"alg": "RS256", "use": "sig"})
        self.kid = emulator.admin("POST", f"/channels/{channel_id}/keys", public)["kid"]

    def assertion(self, token_exp=60 * 60 * 24, **claims):
        payload = {
            "iss": self.channel_id,
            "sub": self.channel_id,
            "aud": "https://api.line.me/",
            "exp": int(time.time()) + 60 * 30,
            "token_exp": token_exp,
        }
        payload.update(claims)
        return jwt.encode(payload, self.private_key, algorithm="RS256", headers={"kid": self.kid})


def test_short_lived_issue_verify_revoke(emulator):
    api = oauth_api(emulator)
    issued = api.issue_channel_token_with_http_info("client_credentials", BOT_ID, BOT_SECRET)
    assert issued.status_code == 200
    openapi_schemas.validate(body(issued), CAT, "/v2/oauth/accessToken", "post", 200)
    assert issued.data.expires_in == 2592000
    assert issued.data.token_type == "Bearer"
    assert len(issued.headers["x-line-request-id"]) == 16

    verified = api.verify_channel_token_with_http_info(issued.data.access_token)
    openapi_schemas.validate(body(verified), CAT, "/v2/oauth/verify", "post", 200)
    assert verified.data.client_id == BOT_ID
    assert 0 < verified.data.expires_in <= 2592000

    api.revoke_channel_token(issued.data.access_token)
    with pytest.raises(oauth.ApiException) as failure:
        api.verify_channel_token(issued.data.access_token)
    assert failure.value.status == 400
    assert json.loads(failure.value.body) == {"error": "invalid_request", "error_description": "access_token invalid"}


def test_short_lived_bad_secret_is_a_documented_error(emulator):
    with pytest.raises(oauth.ApiException) as failure:
        oauth_api(emulator).issue_channel_token("client_credentials", BOT_ID, "0" * 32)
    assert failure.value.status == 400
    error = json.loads(failure.value.body)
    openapi_schemas.validate(error, CAT, "/v2/oauth/accessToken", "post", 400)
    assert error == {"error": "invalid_client", "error_description": "invalid client_secret"}
    assert failure.value.headers["x-line-request-id"]


def test_v21_issue_verify_list_revoke(emulator):
    api = oauth_api(emulator)
    signer = Signer(emulator)
    issued = api.issue_channel_token_by_jwt_with_http_info("client_credentials", JWT_BEARER, signer.assertion())
    assert issued.status_code == 200
    openapi_schemas.validate(body(issued), CAT, "/oauth2/v2.1/token", "post", 200)
    token = issued.data.access_token
    assert issued.data.expires_in == 86400

    verified = api.verify_channel_token_by_jwt_with_http_info(token)
    openapi_schemas.validate(body(verified), CAT, "/oauth2/v2.1/verify", "get", 200)
    assert verified.data.client_id == BOT_ID

    kids = api.gets_all_valid_channel_access_token_key_ids_with_http_info(JWT_BEARER, signer.assertion())
    openapi_schemas.validate(body(kids), CAT, "/oauth2/v2.1/tokens/kid", "get", 200)
    assert kids.data.kids == [issued.data.key_id]

    api.revoke_channel_token_by_jwt(BOT_ID, BOT_SECRET, token)
    with pytest.raises(oauth.ApiException) as failure:
        api.verify_channel_token_by_jwt(token)
    assert json.loads(failure.value.body)["error_description"] == "The access token revoked"
    assert api.gets_all_valid_channel_access_token_key_ids(JWT_BEARER, signer.assertion()).kids == []


def test_v21_string_numbers_and_errors(emulator):
    api = oauth_api(emulator)
    signer = Signer(emulator)
    assertion = signer.assertion(exp=str(int(time.time()) + 600), token_exp="3600")
    assert api.issue_channel_token_by_jwt("client_credentials", JWT_BEARER, assertion).expires_in == 3600

    with pytest.raises(oauth.ApiException) as expired:
        api.issue_channel_token_by_jwt("client_credentials", JWT_BEARER, signer.assertion(exp=int(time.time()) - 10))
    assert expired.value.status == 400
    assert json.loads(expired.value.body) == {"error": "invalid_client", "error_description": "Invalid exp"}

    stranger = Signer(emulator)
    stranger.kid = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(oauth.ApiException) as unknown:
        api.issue_channel_token_by_jwt("client_credentials", JWT_BEARER, stranger.assertion())
    assert unknown.value.status == 404
    assert json.loads(unknown.value.body) == {"message": "Cannot find channel key that satisfies the conditions"}


def test_v21_the_31st_token_is_refused(emulator):
    api = oauth_api(emulator)
    signer = Signer(emulator)
    for _ in range(30):
        api.issue_channel_token_by_jwt("client_credentials", JWT_BEARER, signer.assertion())
    with pytest.raises(oauth.ApiException) as failure:
        api.issue_channel_token_by_jwt("client_credentials", JWT_BEARER, signer.assertion())
    assert failure.value.status == 400
    assert json.loads(failure.value.body) == {"message": "The maximum number of access tokens has already been issued"}


def test_stateless_by_secret_and_by_jwt(emulator):
    api = oauth_api(emulator)
    by_secret = api.issue_stateless_channel_token_with_http_info_by_client_secret(BOT_ID, BOT_SECRET)
    openapi_schemas.validate(body(by_secret), CAT, "/oauth2/v3/token", "post", 200)
    assert by_secret.data.expires_in == 900
    signer = Signer(emulator)
    by_jwt = api.issue_stateless_channel_token_with_http_info_by_jwt_assertion(signer.assertion())
    openapi_schemas.validate(body(by_jwt), CAT, "/oauth2/v3/token", "post", 200)
    with pytest.raises(oauth.ApiException) as failure:
        api.issue_stateless_channel_token_by_client_secret(BOT_ID, "wrong")
    assert json.loads(failure.value.body) == {"error": "invalid_request", "error_description": "Invalid 'client_credentials'."}


def test_push_with_a_retry_key_twice(emulator):
    token = oauth_api(emulator).issue_channel_token("client_credentials", BOT_ID, BOT_SECRET).access_token
    api = messaging_api(emulator, token)
    request = messaging.PushMessageRequest(to=BROWN, messages=[messaging.TextMessage(text="Welcome to LineKit!")])
    key = str(uuid.uuid4())

    first = api.push_message_with_http_info(request, x_line_retry_key=key)
    assert first.status_code == 200
    openapi_schemas.validate(body(first), MSG, "/v2/bot/message/push", "post", 200)
    sent = first.data.sent_messages
    assert len(sent) == 1 and sent[0].id.isdigit() and sent[0].quote_token

    with pytest.raises(messaging.ApiException) as conflict:
        api.push_message(request, x_line_retry_key=key)
    assert conflict.value.status == 409
    assert conflict.value.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    error = json.loads(conflict.value.body)
    openapi_schemas.validate(error, MSG, "/v2/bot/message/push", "post", 409)
    assert error["message"] == "The retry key is already accepted"
    assert [message["id"] for message in error["sentMessages"]] == [sent[0].id]
    assert len(emulator.messages(BROWN)) == 1


def test_push_validation_errors_parse_as_error_response(emulator):
    token = oauth_api(emulator).issue_channel_token("client_credentials", BOT_ID, BOT_SECRET).access_token
    api = messaging_api(emulator, token)
    too_long = messaging.PushMessageRequest(to=BROWN, messages=[messaging.TextMessage(text="🍎" * 2501)])
    with pytest.raises(messaging.ApiException) as failure:
        api.push_message(too_long)
    assert failure.value.status == 400
    raw = json.loads(failure.value.body)
    openapi_schemas.validate(raw, MSG, "/v2/bot/message/push", "post", 400)
    error = messaging.ErrorResponse.from_json(failure.value.body)
    assert error.message == "The request body has 1 error(s)"
    assert error.details[0].message == "Length must be between 0 and 5000"
    assert error.details[0].var_property == "messages[0].text"

    with pytest.raises(messaging.ApiException) as unauthorized:
        messaging_api(emulator, "bogus").push_message(too_long)
    assert unauthorized.value.status == 401


def test_push_rate_limit_answers_429(emulator):
    emulator.admin("PUT", "/rate-limits", {"push": 0.01})
    try:
        token = oauth_api(emulator).issue_channel_token("client_credentials", BOT_ID, BOT_SECRET).access_token
        api = messaging_api(emulator, token)
        request = messaging.PushMessageRequest(to=BROWN, messages=[messaging.TextMessage(text="hi")])
        api.push_message(request)
        with pytest.raises(messaging.ApiException) as limited:
            api.push_message(request)
        assert limited.value.status == 429
        error = json.loads(limited.value.body)
        openapi_schemas.validate(error, MSG, "/v2/bot/message/push", "post", 429)
        assert error == {"message": "The API rate limit has been exceeded. Try again later."}
    finally:
        emulator.admin("PUT", "/rate-limits", {"push": 2000})


CONY = "U2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a02"


def test_multicast_with_a_retry_key_twice(emulator):
    token = oauth_api(emulator).issue_channel_token("client_credentials", BOT_ID, BOT_SECRET).access_token
    api = messaging_api(emulator, token)
    request = messaging.MulticastRequest(to=[BROWN, CONY], messages=[messaging.TextMessage(text="To you both")])
    key = str(uuid.uuid4())

    first = api.multicast_with_http_info(request, x_line_retry_key=key)
    assert first.status_code == 200
    assert body(first) == {}
    openapi_schemas.validate(body(first), MSG, "/v2/bot/message/multicast", "post", 200)

    with pytest.raises(messaging.ApiException) as conflict:
        api.multicast(request, x_line_retry_key=key)
    assert conflict.value.status == 409
    assert conflict.value.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    error = json.loads(conflict.value.body)
    openapi_schemas.validate(error, MSG, "/v2/bot/message/multicast", "post", 409)
    assert error == {"message": "The retry key is already accepted"}
    assert [m["message"]["text"] for m in emulator.messages(BROWN)] == ["To you both"]
    assert [m["message"]["text"] for m in emulator.messages(CONY)] == ["To you both"]


def test_multicast_validation_errors_parse_as_error_response(emulator):
    token = oauth_api(emulator).issue_channel_token("client_credentials", BOT_ID, BOT_SECRET).access_token
    api = messaging_api(emulator, token)
    # The SDK itself refuses over 500 users: build the request without its checks to see the emulator's 400.
    users = ["U%032x" % n for n in range(501)]
    request = messaging.MulticastRequest.construct(to=users, messages=[messaging.TextMessage(text="hi")])
    with pytest.raises(messaging.ApiException) as failure:
        api.multicast(request)
    assert failure.value.status == 400
    raw = json.loads(failure.value.body)
    openapi_schemas.validate(raw, MSG, "/v2/bot/message/multicast", "post", 400)
    error = messaging.ErrorResponse.from_json(failure.value.body)
    assert error.details[0].message == "Size must be between 1 and 500"
    assert error.details[0].var_property == "to"


def test_broadcast_reaches_every_friend(emulator):
    emulator.admin("POST", f"/users/{CONY}/actions", {"channelId": BOT_ID, "type": "follow"})
    token = oauth_api(emulator).issue_channel_token("client_credentials", BOT_ID, BOT_SECRET).access_token
    api = messaging_api(emulator, token)
    response = api.broadcast_with_http_info(messaging.BroadcastRequest(messages=[messaging.TextMessage(text="News")]))
    assert response.status_code == 200
    assert body(response) == {}
    openapi_schemas.validate(body(response), MSG, "/v2/bot/message/broadcast", "post", 200)
    assert [m["message"]["text"] for m in emulator.messages(BROWN)] == ["News"]
    assert [m["message"]["text"] for m in emulator.messages(CONY)] == ["News"]


def test_narrowcast_and_its_progress(emulator):
    token = oauth_api(emulator).issue_channel_token("client_credentials", BOT_ID, BOT_SECRET).access_token
    api = messaging_api(emulator, token)
    request = messaging.NarrowcastRequest(
        messages=[messaging.TextMessage(text="Some of you")], limit=messaging.Limit(max=1)
    )
    response = api.narrowcast_with_http_info(request, x_line_retry_key=str(uuid.uuid4()))
    assert response.status_code == 202
    assert body(response) == {}
    openapi_schemas.validate(body(response), MSG, "/v2/bot/message/narrowcast", "post", 202)

    request_id = response.headers["x-line-request-id"]
    progress = api.get_narrowcast_progress_with_http_info(request_id)
    openapi_schemas.validate(body(progress), MSG, "/v2/bot/message/progress/narrowcast", "get", 200)
    assert progress.data.phase == "succeeded"
    assert progress.data.target_count == 1 and progress.data.success_count == 1 and progress.data.failure_count == 0
    assert progress.data.accepted_time is not None and progress.data.completed_time is not None
    assert len(emulator.messages(BROWN)) + len(emulator.messages(CONY)) == 1
