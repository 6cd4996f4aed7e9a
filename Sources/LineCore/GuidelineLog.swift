import Foundation
import Logging

/// The request logs LINE's development guidelines recommend keeping, emitted through swift-log
/// with their fields as metadata, and formatted as the guidelines' table rows.
///
/// Records never contain access tokens, refresh tokens, ID tokens, channel secrets or request bodies: API
/// endpoints are logged without their query strings.
public enum GuidelineLog {
    /// The metadata key of `x-line-request-id` on every record.
    public static let requestIDKey = "line.request_id"

    /// "LINE Login API request": request ID, time, method, endpoint, status.
    public static func apiRequest(
        _ logger: Logger,
        requestID: String?,
        time: Date,
        method: String,
        endpoint: URL,
        status: Int?
    ) {
        let url = withoutQuery(endpoint)
        logger.info(
            "LINE API request",
            metadata: [
                requestIDKey: .string(requestID ?? "-"), "line.time": .string(rfc1123(time)), "line.method": .string(method),
                "line.endpoint": .string(url), "line.status": .string(status.map(String.init) ?? "no response"),
                "line.row": .string(apiRequestRow(requestID: requestID, time: time, method: method, endpoint: endpoint, status: status)),
            ]
        )
    }

    /// `8d48c8577e739b9c · Mon, 16 Jul 2021 10:20:22 GMT · POST · https://api.line.me/oauth2/v2.1/token · 200`
    public static func apiRequestRow(requestID: String?, time: Date, method: String, endpoint: URL, status: Int?) -> String {
        [requestID ?? "-", rfc1123(time), method, withoutQuery(endpoint), status.map(String.init) ?? "-"].joined(separator: " · ")
    }

    /// `Mon, 16 Jul 2021 10:20:10 GMT · https://access.line.me/oauth2/v2.1/authorize?response_type=code&…`
    public static func authorizationRequestRow(time: Date, url: URL) -> String {
        rfc1123(time) + " · " + url.absoluteString
    }

    /// `Mon, 16 Jul 2021 10:20:20 GMT · GET · /callback?code=…&state=…`
    public static func callbackRow(time: Date, method: String, pathAndQuery: String) -> String {
        [rfc1123(time), method, pathAndQuery].joined(separator: " · ")
    }

    /// `Mon, 16 Jul 2021 10:20:10 GMT`: RFC 1123 in GMT, as the guidelines show times.
    public static func rfc1123(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }

    static func withoutQuery(_ url: URL) -> String {
        let text = url.absoluteString
        return text.firstIndex(of: "?").map { String(text[..<$0]) } ?? text
    }
}
