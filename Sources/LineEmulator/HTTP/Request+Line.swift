import Foundation
import HTTPTypes
import Hummingbird
import LineCore
import NIOCore

extension Request {
    /// The body, at most 2 MB (LINE's limit; more is answered with 413 without reading it all).
    mutating func collectLimitedBody(context: EmulatorRequestContext) async throws -> ByteBuffer {
        if let length = headers[.contentLength].flatMap(Int.init), length > context.maxUploadSize {
            throw PlatformError.payloadTooLarge
        }
        do {
            return try await collectBody(upTo: context.maxUploadSize)
        } catch is NIOTooManyBytesError {
            throw PlatformError.payloadTooLarge
        }
    }

    /// The query string's parameters; a malformed encoding is reported as `error`.
    func queryParameters(orThrow failure: PlatformError) throws -> Parameters {
        do {
            return try Parameters(urlEncoded: uri.query ?? "")
        } catch {
            throw failure
        }
    }

    /// An `application/x-www-form-urlencoded` body, as the OAuth endpoints require; problems answer `invalid_request`.
    mutating func oauthForm(context: EmulatorRequestContext) async throws -> Parameters {
        try await form(
            context: context,
            wrongType: .invalidRequest("Content-Type must be application/x-www-form-urlencoded"),
            malformed: .invalidRequest("The request body is not valid application/x-www-form-urlencoded")
        )
    }

    mutating func form(context: EmulatorRequestContext, wrongType: PlatformError, malformed: PlatformError) async throws -> Parameters {
        let mediaType = self.mediaType
        let buffer = try await collectLimitedBody(context: context)
        guard mediaType == "application/x-www-form-urlencoded" else { throw wrongType }
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else { throw malformed }
        do {
            return try Parameters(urlEncoded: text)
        } catch {
            throw malformed
        }
    }

    /// The token of an `Authorization: Bearer …` header (`nil` when the header is missing or another scheme).
    var bearerToken: String? {
        guard let value = headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingSpacesAndTabs
        return token.isEmpty ? nil : token
    }

    /// The media type of the `Content-Type` header, lower-cased and without parameters; `nil` when there is none.
    var mediaType: String? {
        headers[.contentType].map { $0.prefix { $0 != ";" }.trimmingSpacesAndTabs.lowercased() }
    }

    /// The base URL the client used to reach the emulator (`http://host:port`).
    var baseURL: String {
        let host = head.authority ?? "127.0.0.1"
        return "http://\(host)"
    }
}

extension Request {
    /// A JSON object body for a Messaging-style endpoint as its members, with LINE's errors for a wrong content type
    /// (415) or a body that is not a JSON object (400).
    /// A JSON body decoded as `Body` for a Messaging-style endpoint; a field of the wrong type is a validation error.
    mutating func messagingJSON<Body: Decodable>(context: EmulatorRequestContext) async throws -> Body {
        let (body, _) = try await messagingJSONObject(context: context)
        do {
            return try JSONDecoder().decode(Body.self, from: Data(body.readableBytesView))
        } catch DecodingError.typeMismatch(_, let context) {
            let property = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw PlatformError.validation([.init(message: "Invalid type", property: property)])
        }
    }

    /// The body as it came, and its members (the bytes are kept to decode them again, or to say where a property is).
    mutating func messagingJSONObject(context: EmulatorRequestContext) async throws -> (
        body: ByteBuffer, members: [String: JSONValue]
    ) {
        let contentType = headers[.contentType] ?? ""
        let buffer = try await collectLimitedBody(context: context)
        guard mediaType == "application/json" else {
            throw PlatformError.message(415, "The content type, \(contentType.isEmpty ? "(none)" : contentType), is not supported")
        }
        guard let members = JSONValue(parsing: buffer.readableBytesView)?.objectValue else {
            let bytes = Array(buffer.readableBytesView)
            let (line, column) = Self.lineAndColumn(of: JSONValue.syntaxErrorOffset(in: bytes) ?? bytes.count, in: bytes)
            throw PlatformError.message(400, "The request body could not be parsed as JSON (line: \(line), column: \(column))")
        }
        return (buffer, members)
    }

    /// The 1-based line and column (in characters) of a byte offset, as LINE's error messages count them.
    static func lineAndColumn(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        let before = bytes[..<min(offset, bytes.count)]
        let line = before.filter { $0 == 0x0A }.count + 1
        let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        // Characters, not bytes: count the bytes that start a UTF-8 sequence.
        let column = bytes[lineStart..<before.endIndex].filter { $0 & 0xC0 != 0x80 }.count + 1
        return (line, column)
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs (byte-level: Foundation's character sets are slow here).
    var trimmingSpacesAndTabs: String {
        let utf8 = self.utf8
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = utf8.firstIndex(where: { !isBlank($0) }), let last = utf8.lastIndex(where: { !isBlank($0) }) else { return "" }
        return String(Substring(utf8[first...last]))
    }
}
