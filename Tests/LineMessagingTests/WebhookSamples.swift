import Crypto
import Foundation

/// Webhook bodies in the shape of the examples in LINE's Messaging API reference (field names, nesting and sample
/// values as LINE documents them), one event type per body.
enum WebhookSamples {
    /// `x-line-signature` computed in the tests, apart from the SDK: base64(HMAC-SHA256(secret, body bytes)).
    static func signature(of body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    static let destination = "xxxxxxxxxx"

    /// Wraps one event object in LINE's request body.
    static func body(_ event: String) -> String {
        """
        {
          "destination": "\(destination)",
          "events": [
            \(event)
          ]
        }
        """
    }

    static let textMessage = body(
        """
        {
              "replyToken": "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",
              "type": "message",
              "mode": "active",
              "timestamp": 1462629479859,
              "source": {
                "type": "group",
                "groupId": "Ca56f94637c...",
                "userId": "U4af4980629..."
              },
              "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR",
              "deliveryContext": {
                "isRedelivery": false
              },
              "message": {
                "id": "444573844083572737",
                "type": "text",
                "quoteToken": "q3Plxr4AgKd...",
                "text": "Good Morning!! (love)"
              }
            }
        """
    )

    static let stickerMessage = body(
        """
        {
              "type": "message",
              "message": {
                "type": "sticker",
                "id": "1501597916",
                "quoteToken": "q3Plxr4AgKd...",
                "stickerId": "52002738",
                "packageId": "11537",
                "stickerResourceType": "ANIMATION",
                "keywords": ["cony", "sally", "Staring", "hi", "whatsup", "line", "howdy", "HEY", "Peeking", "wave", "peek", "Hello", "yo", "greetings"]
              },
              "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR",
              "deliveryContext": {
                "isRedelivery": false
              },
              "timestamp": 1625665242211,
              "source": {
                "type": "user",
                "userId": "U80696558e1aa831..."
              },
              "replyToken": "757913772c4646b784d4b7ce46d12671",
              "mode": "active"
            }
        """
    )

    static let imageMessage = body(
        """
        {
              "type": "message",
              "message": {
                "type": "image",
                "id": "354718705033693859",
                "quoteToken": "q3Plxr4AgKd...",
                "contentProvider": {
                  "type": "line"
                },
                "imageSet": {
                  "id": "E005D41A7288F41B65593ED38FF6E9834B046AB36A37921A56BC236F13A91855",
                  "index": 1,
                  "total": 2
                }
              },
              "timestamp": 1627356924513,
              "source": {
                "type": "user",
                "userId": "U4af4980629..."
              },
              "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR",
              "deliveryContext": {
                "isRedelivery": false
              },
              "replyToken": "7840b71058e24a5d91f9b5726c7512c9",
              "mode": "active"
            }
        """
    )

    static let follow = body(
        """
        {
              "replyToken": "85cbe770fa8b4f45bbe077b1d4be4a36",
              "type": "follow",
              "mode": "active",
              "timestamp": 1705891467176,
              "source": {
                "type": "user",
                "userId": "U3d3edab4f36c6292e6d8a8131f141b8b"
              },
              "webhookEventId": "01HMQGW40RZJPJM3RAJP7BHC2Q",
              "deliveryContext": {
                "isRedelivery": false
              },
              "follow": {
                "isUnblocked": false
              }
            }
        """
    )

    static let unfollow = body(
        """
        {
              "type": "unfollow",
              "mode": "active",
              "timestamp": 1462629479859,
              "source": {
                "type": "user",
                "userId": "U4af4980629..."
              },
              "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR",
              "deliveryContext": {
                "isRedelivery": false
              }
            }
        """
    )

    static let join = body(
        """
        {
              "replyToken": "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",
              "type": "join",
              "mode": "active",
              "timestamp": 1462629479859,
              "source": {
                "type": "group",
                "groupId": "C4af4980629..."
              },
              "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR",
              "deliveryContext": {
                "isRedelivery": false
              }
            }
        """
    )

    static let leave = body(
        """
        {
              "type": "leave",
              "mode": "active",
              "timestamp": 1462629479859,
              "source": {
                "type": "group",
                "groupId": "C4af4980629..."
              },
              "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR",
              "deliveryContext": {
                "isRedelivery": false
              }
            }
        """
    )

    static let memberJoined = body(
        """
        {
              "replyToken": "0f3779fba3b349968c5d07db31eabf65",
              "type": "memberJoined",
              "mode": "active",
              "timestamp": 1462629479859,
              "source": {
                "type": "group",
                "groupId": "C4af4980629..."
              },
              "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR",
              "deliveryContext": {
                "isRedelivery": false
              },
              "joined": {
                "members": [
                  {
                    "type": "user",
                    "userId": "U4af4980629..."
                  },
                  {
                    "type": "user",
                    "userId": "U91eeaf62d9..."
                  }
                ]
              }
            }
        """
    )

    static let memberLeft = body(
        """
        {
              "type": "memberLeft",
              "mode": "active",
              "timestamp": 1462629479960,
              "source": {
                "type": "group",
                "groupId": "C4af4980629..."
              },
              "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR",
              "deliveryContext": {
                "isRedelivery": false
              },
              "left": {
                "members": [
                  {
                    "type": "user",
                    "userId": "U4af4980629..."
                  },
                  {
                    "type": "user",
                    "userId": "U91eeaf62d9..."
                  }
                ]
              }
            }
        """
    )

    static let unsend = body(
        """
        {
              "type": "unsend",
              "mode": "active",
              "timestamp": 1462629479859,
              "source": {
                "type": "group",
                "groupId": "Ca56f94637c...",
                "userId": "U4af4980629..."
              },
              "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR",
              "deliveryContext": {
                "isRedelivery": false
              },
              "unsend": {
                "messageId": "325708"
              }
            }
        """
    )

    static let postback = body(
        """
        {
              "replyToken": "b60d432864f44d079f6d8efe86cf404b",
              "type": "postback",
              "mode": "active",
              "source": {
                "userId": "U91eeaf62d...",
                "type": "user"
              },
              "timestamp": 1513669370317,
              "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR",
              "deliveryContext": {
                "isRedelivery": false
              },
              "postback": {
                "data": "storeId=12345",
                "params": {
                  "datetime": "2017-12-25T01:00"
                }
              }
            }
        """
    )

    static let videoPlayComplete = body(
        """
        {
              "replyToken": "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",
              "type": "videoPlayComplete",
              "mode": "active",
              "timestamp": 1462629479859,
              "source": {
                "type": "user",
                "userId": "U4af4980629..."
              },
              "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR",
              "deliveryContext": {
                "isRedelivery": false
              },
              "videoPlayComplete": {
                "trackingId": "track-id"
              }
            }
        """
    )

    static let beacon = body(
        """
        {
              "replyToken": "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",
              "type": "beacon",
              "mode": "active",
              "timestamp": 1462629479859,
              "source": {
                "type": "user",
                "userId": "U4af4980629..."
              },
              "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR",
              "deliveryContext": {
                "isRedelivery": false
              },
              "beacon": {
                "hwid": "d41d8cd98f",
                "type": "enter"
              }
            }
        """
    )

    static let accountLink = body(
        """
        {
              "replyToken": "b60d432864f44d079f6d8efe86cf404b",
              "type": "accountLink",
              "mode": "active",
              "source": {
                "userId": "U91eeaf62d...",
                "type": "user"
              },
              "timestamp": 1513669370317,
              "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR",
              "deliveryContext": {
                "isRedelivery": false
              },
              "link": {
                "result": "ok",
                "nonce": "xxxxxxxxxxxxxxx"
              }
            }
        """
    )

    /// A membership event: a type LINE documents that this SDK keeps as `unknown`.
    static let membership = body(
        """
        {
              "type": "membership",
              "mode": "active",
              "timestamp": 1462629479859,
              "source": {
                "type": "user",
                "userId": "U4af4980629..."
              },
              "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR",
              "deliveryContext": {
                "isRedelivery": true
              },
              "replyToken": "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",
              "membership": {
                "type": "joined",
                "membershipId": 3189
              }
            }
        """
    )

    /// LINE's check that a webhook URL answers: no events.
    static let verification = #"{"destination":"xxxxxxxxxx","events":[]}"#
}
