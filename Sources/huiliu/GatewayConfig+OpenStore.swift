import ArgumentParser
import HuiliuEngine
import HuiliuStore

extension GatewayConfig {
    /// The state store, or exit 2 with why it cannot be opened (a read-only data directory,
    /// an unreachable PostgreSQL): the command could not run, which is not a finding.
    func openStateStoreOrExit() throws -> any StateStore {
        do {
            return try openStateStore()
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
    }
}
