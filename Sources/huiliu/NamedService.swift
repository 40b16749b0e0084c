import Glibc
import HuiliuHJ212
import NIOCore
import ServiceLifecycle

/// A service whose failure names it: the daemon runs several servers, and "Address already in
/// use" alone does not say whose port was taken.
struct NamedService: Service, CustomStringConvertible, CustomReflectable {
    let name: String
    let service: any Service

    /// Its name only: the service group logs services as text at debug level, and a service
    /// printed field by field shows the tokens and secrets of the configuration it holds.
    var description: String { name }
    var customMirror: Mirror { Mirror(self, children: ["name": name]) }

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
        var description: String {
            // The HJ 212 listener names its address itself.
            if let bind = error as? HJ212Listener.BindFailure { return bind.description }
            // NIO's own text for a taken port is a system call's name and an errno.
            if (error as? IOError)?.errnoCode == EADDRINUSE || "\(error)".contains("Address already in use") {
                return "\(name): the port is taken by another process (another huiliu serve or simulate, or another server); stop it or choose another port"
            }
            return "\(name): \(error)"
        }
    }
}
