import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive lock on `<database>.lock`, held while an emulator has the SQLite file open.
///
/// The SQLite store keeps tokens and users in memory in front of the file, which is only correct while one emulator
/// writes it; a second emulator on the same file is refused with a clear message instead of serving stale tokens.
/// The kernel releases the lock when the process ends, even by `kill -9`.
final class DatabaseFileLock: Sendable {
    /// Why an emulator could not take a database file.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let descriptor: Int32

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
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }
}
