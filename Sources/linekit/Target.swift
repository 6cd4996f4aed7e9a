import ArgumentParser
import Foundation
import LineCore

/// Where a command sends its requests: LINE itself, or an emulator (`--emulator URL` or `LINEKIT_EMULATOR`).
struct TargetOptions: ParsableArguments {
    @Option(help: "Send requests to a LineKit emulator at this base URL instead of LINE (or set LINEKIT_EMULATOR).")
    var emulator: String?

    var endpoints: Endpoints {
        get throws {
            guard let base = emulator ?? ProcessInfo.processInfo.environment["LINEKIT_EMULATOR"], !base.isEmpty else { return .production }
            guard let url = URL(string: base), url.scheme == "http" || url.scheme == "https" else {
                throw ValidationError("--emulator must be an http(s) URL, got \(base)")
            }
            return .emulator(url)
        }
    }

    var api: LineAPIClient {
        get throws { LineAPIClient(configuration: .init(endpoints: try endpoints)) }
    }
}

/// Runs a command body and turns LINE's errors into a readable message and a non-zero exit.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as LineAPIError {
        var lines = ["error: LINE answered \(error.status.map(String.init) ?? "nothing") (\(error.code))"]
        if let code = error.error { lines.append("  error: \(code)") }
        if let description = error.errorDescription { lines.append("  error_description: \(description)") }
        if let message = error.message { lines.append("  message: \(message)") }
        for detail in error.details { lines.append("  \(detail.property ?? "?"): \(detail.message ?? "")") }
        lines.append("  x-line-request-id: \(error.requestID ?? "none")")
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        throw ExitCode(1)
    }
}

func printJSON(_ object: Any) {
    let data =
        (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
    print(String(decoding: data, as: UTF8.self))
}
