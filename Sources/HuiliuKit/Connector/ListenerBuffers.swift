/// Where this gateway's listeners keep their durable buffers (`listeners.<kind>.buffer` in
/// `config/huiliu.yaml`), registered as a service so that a source reading a listener's buffer
/// finds the file the listener writes, not a default beside it.
public struct ListenerBuffers: Sendable {
    /// Buffer paths by listener kind (`hj212`, `webhook`), absolute.
    public var paths: [String: String]

    /// Paths by listener kind.
    public init(paths: [String: String] = [:]) {
        self.paths = paths
    }

    /// The buffer of listener `kind` as configured for this gateway, or `fallback`.
    public static func path(of kind: String, in context: ConnectorContext, or fallback: String) -> String {
        context.services[ListenerBuffers.self]?.paths[kind] ?? fallback
    }
}
