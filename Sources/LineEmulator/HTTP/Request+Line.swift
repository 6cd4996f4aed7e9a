import Foundation
import HTTPTypes
import Hummingbird
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
        let mediaType = headers[.contentType].map { $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased() }
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
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// The base URL the client used to reach the emulator (`http://host:port`).
    var baseURL: String {
        let host = head.authority ?? "127.0.0.1"
        return "http://\(host)"
    }
}
