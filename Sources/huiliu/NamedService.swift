import ServiceLifecycle

/// A service whose failure names it: the daemon runs several servers, and "Address already in
/// use" alone does not say whose port was taken.
struct NamedService: Service {
    let name: String
    let service: any Service

    func run() async throws {
        do {
            try await service.run()
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw Failure(name: name, error: error)
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var name: String
        var error: any Error
        var description: String { "\(name): \(error)" }
    }
}
