import Foundation

/// Runs blocking set-up work — starting a server and waiting for its port, running `initdb` or
/// `openssl` — on a thread of its own. Swift's concurrency shares a thread per core among every
/// test in the process; blocking one of two stalled every other test's timers and handlers.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// ``onOwnThread(_:)`` for work that cannot fail.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}
