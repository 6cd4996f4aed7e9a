import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive lock on `<database>.lock`, held while an emulator has the SQLite file open.
///
/// The SQLite store keeps tokens and users in memory in front of the file, which is only correct while one emulator
/// writes it; a second emulator on the same file is refused with a clear message instead of serving stale tokens.
/// The store releases it when it closes (``release()``), and the kernel when the process ends, even by `kill -9`.
final class DatabaseFileLock: Sendable {
    /// Why an emulator could not take a database file.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The open lock file; `nil` once released.
    private let descriptor: Mutex<Int32?>

    init(databasePath: String) throws {
        let path = databasePath + ".lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw Failure(
                description: """
                    \(databasePath) is in use by another emulator. Give this one its own file (--database PATH) or \
                    --in-memory; one emulator process owns an SQLite file.
                    """
            )
        }
        self.descriptor = Mutex(descriptor)
    }

    /// Releases the lock now, so another emulator can take the file; later calls do nothing.
    func release() {
        descriptor.withLock { descriptor in
            if let open = descriptor { close(open) }
            descriptor = nil
        }
    }

    deinit { release() }
}
