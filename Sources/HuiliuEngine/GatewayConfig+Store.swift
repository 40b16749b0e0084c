public import HuiliuStore
import HuiliuKit

extension GatewayConfig {
    /// The state store the gateway is configured with: the shared PostgreSQL one when
    /// `store.postgres` is set, else the SQLite file at ``storePath``.
    public func openStateStore() throws -> any StateStore {
        if let storeURL {
            let secrets = secrets
            return try PostgresStateStore(url: storeURL) { secrets.scrub($0) }
        }
        return try SQLiteStateStore(path: storePath)
    }
}
