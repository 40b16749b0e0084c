import Foundation
import HuiliuCore
public import HuiliuEnvironment
public import HuiliuKit
public import Logging
public import NIOCore
public import NIOPosix
import Synchronization

/// The HJ 212 TCP listener: accepts device connections, decodes and verifies their frames,
/// refuses unknown devices and wrong passwords, commits data uploads to the durable buffer
/// and acknowledges them (9014, when `Flag` asks) only after the commit.
///
/// Each connection's pipeline is NIO's `IdleStateHandler`, ``HJ212FrameCodec`` and a
/// ``ConnectionHandler`` that does the per-frame work on the event loop, answers after the
/// ``GroupCommitter`` and closes idle connections. Unlike `NIOTCPEchoServer` there is no
/// `NIOAsyncChannel`: at tens of thousands of frames a second, two task hops per frame cost
/// as much as decoding and normalizing it. Errors of one connection close it without
/// touching the others.
///
/// ```swift
/// let listener = try HJ212Listener(settings: settings, stations: registry, logger: logger)
/// try await listener.run()          // until shutdown() or cancellation
/// ```
public final class HJ212Listener: Sendable {
    /// Where it listens and how it stores.
    public let settings: HJ212ListenerSettings
    /// Counters, also reported through swift-metrics.
    public let metrics: ListenerMetrics
    /// Who may deliver; replaced whole by ``reloadStations(resolver:)``.
    private let admissionBox: AdmissionBox
    var admission: FrameAdmission { admissionBox.lock.withLock { $0 } }

    /// The admission, shared with the committer (which normalizes incomplete uploads by its stations).
    final class AdmissionBox: Sendable {
        let lock: Mutex<FrameAdmission>
        init(_ admission: FrameAdmission) { lock = Mutex(admission) }
    }
    let logger: Logger
    let committer: GroupCommitter
    /// Wrong passwords per station, to slow guessing.
    let passwordGuard = PasswordGuard()
    let eventLoopGroup: any EventLoopGroup
    private let state = Mutex(State())

    struct State {
        var boundAddress: SocketAddress?
        var server: (any Channel)?
        var connections: [ObjectIdentifier: any Channel] = [:]
        var shuttingDown = false
        /// Connections refused for being one too many, since the last warning about it.
        var refusedOverLimit = 0
        var lastLimitWarning: ContinuousClock.Instant?
        var boundWaiters: [CheckedContinuation<SocketAddress, any Error>] = []
    }

    /// `max_connections`, or fewer when the process may not open that many files: past the
    /// open-file limit a flood of connections would take the descriptors the buffer, the store
    /// and the admin API need. The soft limit is raised to the hard one first.
    let connectionLimit: Int

    /// A listener; it opens the buffer now and binds in ``run()``.
    /// - Parameters:
    ///   - settings: address, buffer, timeouts.
    ///   - stations: the devices allowed to deliver.
    ///   - logger: where connection events and rejected frames go.
    ///   - metrics: counters; the default reports to the global metrics system.
    ///   - eventLoopGroup: NIO threads; the default is the shared singleton.
    public init(settings: HJ212ListenerSettings, stations: StationRegistry, logger: Logger,
                metrics: ListenerMetrics = ListenerMetrics(),
                eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        connectionLimit = OpenFileLimit.usableConnections(settings.maximumConnections)
        if connectionLimit < settings.maximumConnections {
            logger.warning("HJ 212 max_connections lowered to what the open-file limit allows (ulimit -n)", metadata: [
                "max_connections": "\(settings.maximumConnections)", "allowed": "\(connectionLimit)",
            ])
        }
        self.eventLoopGroup = eventLoopGroup
        let box = AdmissionBox(FrameAdmission(stations: stations, acceptsUnknownStations: settings.acceptsUnknownStations))
        admissionBox = box
        var grouping = settings.groupCommit
        grouping.stations = { box.lock.withLock { $0.stations } }
        committer = try GroupCommitter(path: settings.bufferPath, configuration: grouping)
    }

    /// Reads the station registry again (`huiliu reload`, SIGHUP): frames are admitted by it
    /// from now on, so a station added is accepted and a password changed (a leaked one
    /// revoked) holds without a restart. A registry with problems is refused, the one in use kept.
    /// - Returns: how many stations the registry has.
    /// - Throws: ``ConfigErrors`` for a bad stations file.
    @discardableResult
    public func reloadStations(resolver: ReferenceResolver) throws(ConfigErrors) -> Int {
        let stations = try readStations(resolver: resolver)
        use(stations)
        return stations.stations.count
    }

    /// The station registry as its file says now, not yet in use (``use(_:)``).
    public func readStations(resolver: ReferenceResolver) throws(ConfigErrors) -> StationRegistry {
        try StationsFile.load(path: settings.stationsPath, resolver: resolver)
    }

    /// Admits frames by `stations` from now on.
    public func use(_ stations: StationRegistry) {
        admissionBox.lock.withLock { $0.stations = stations }
    }

    /// The address it is bound to, once bound.
    public var localAddress: SocketAddress? { state.withLock { $0.boundAddress } }

    /// True while it is bound and accepting connections: the readiness check.
    public var isAccepting: Bool { state.withLock { $0.boundAddress != nil && !$0.shuttingDown } }

    /// Waits until the listener is bound and returns its address (with the real port when 0 was asked).
    public func waitUntilBound() async throws -> SocketAddress {
        try await withCheckedThrowingContinuation { continuation in
            let bound: SocketAddress? = state.withLock { state in
                if let address = state.boundAddress { return address }
                state.boundWaiters.append(continuation)
                return nil
            }
            if let bound { continuation.resume(returning: bound) }
        }
    }

    /// Binds, serves connections until ``shutdown()`` (or cancellation), then lets every
    /// connection finish its frames, commits the last group and returns.
    public func run() async throws {
        let server: any Channel
        do {
            server = try await bind()
        } catch {
            let failure = BindFailure(host: settings.host, port: settings.port, error: error)
            let waiters = state.withLock { state in defer { state.boundWaiters = [] }; return state.boundWaiters }
            for waiter in waiters { waiter.resume(throwing: failure) }
            await committer.finish()
            throw failure
        }
        let address = server.localAddress
        let (waiters, stopNow) = state.withLock { state in
            state.boundAddress = address
            state.server = server
            defer { state.boundWaiters = [] }
            return (state.boundWaiters, state.shuttingDown)
        }
        if let address { for waiter in waiters { waiter.resume(returning: address) } }
        if stopNow { server.close(promise: nil) }
        logger.info("HJ 212 listener accepting", metadata: ["address": "\(address.map(Self.describe) ?? "?")"])
        await withTaskCancellationHandler {
            try? await server.closeFuture.get()
        } onCancel: {
            self.shutdown()
        }
        state.withLock { $0.boundAddress = nil; $0.server = nil }
        // Connections close once they have answered what they received (or at once, when terminated).
        while let open = state.withLock({ $0.connections.values.first }) {
            try? await open.closeFuture.get()
        }
        await committer.finish()
        logger.info("HJ 212 listener stopped")
    }

    /// Stops accepting, ends reading on every connection so each finishes the frames it has
    /// (committed and acknowledged), and lets ``run()`` return. Safe to call at any time.
    public func shutdown() {
        let (server, connections) = state.withLock { state in
            state.shuttingDown = true
            return (state.server, Array(state.connections.values))
        }
        server?.close(promise: nil)
        for channel in connections { Self.closeInput(channel) }
    }

    /// Tears down as a crash would: frames not yet committed are dropped unacknowledged and
    /// every connection is closed at once. ``run()`` then returns. For crash tests.
    public func terminate() async {
        await committer.abandon()
        let (server, connections) = state.withLock { state in
            state.shuttingDown = true
            return (state.server, Array(state.connections.values))
        }
        server?.close(promise: nil)
        for channel in connections { channel.close(promise: nil) }
    }

    private func bind() async throws -> any Channel {
        let decoder = settings.decoder
        let idle = TimeAmount.nanoseconds(settings.idleTimeout.nanoseconds)
        return try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 4096)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // Half-closure lets shutdown stop reading while acknowledgements still go out.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    // Accepted as the listener stops: nothing received, nothing to answer. Refused
                    // here, NIO closes it before it is registered; half-closing a channel not yet
                    // registered left it open, and a device on it sending until it gave up.
                    guard track(channel) else { throw ChannelError.ioOnClosedChannel }
                    let peer = channel.remoteAddress.map(Self.describe) ?? "unknown"
                    let handler = ConnectionHandler(listener: self, peer: peer)
                    let operations = channel.pipeline.syncOperations
                    try operations.addHandler(ByteToMessageHandler(HJ212FrameCodec(configuration: decoder)))
                    // After the decoder, so that only whole frames count as talking: a client
                    // that sends a byte now and then, never finishing a frame, is closed too.
                    try operations.addHandler(IdleStateHandler(readTimeout: idle))
                    try operations.addHandler(handler)
                }
            }
            .bind(host: settings.host, port: settings.port).get()
    }

    /// Remembers `channel` until it closes, for shutdown; false (and not remembered) once the
    /// listener is stopping.
    private func track(_ channel: any Channel) -> Bool {
        let id = ObjectIdentifier(channel)
        let maximum = connectionLimit
        let (accepted, warnRefused) = state.withLock { state -> (Bool, Int?) in
            if state.shuttingDown { return (false, nil) }
            // Beyond the limit a flood of connections would take every file descriptor, and the
            // store, the locks and the admin API with them.
            guard state.connections.count < maximum else {
                state.refusedOverLimit += 1
                let now = ContinuousClock.now
                guard state.lastLimitWarning.map({ now - $0 > .seconds(10) }) ?? true else { return (false, nil) }
                state.lastLimitWarning = now
                defer { state.refusedOverLimit = 0 }
                return (false, state.refusedOverLimit)
            }
            state.connections[id] = channel
            return (true, nil)
        }
        if let warnRefused {
            logger.warning("HJ 212 connections refused: max_connections reached", metadata: [
                "max_connections": "\(maximum)", "refused_since_last_warning": "\(warnRefused)",
            ])
        }
        guard accepted else { return false }
        channel.closeFuture.whenComplete { [self] _ in
            _ = state.withLock { $0.connections.removeValue(forKey: id) }
        }
        return true
    }

    /// Stops reading from a connection; it closes once it has answered what it received.
    static func closeInput(_ channel: any Channel) {
        channel.close(mode: .input).whenFailure { _ in channel.close(promise: nil) }
    }

    /// `127.0.0.1:51234`.
    static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress else { return address.description }
        let port = address.port.map(String.init) ?? "?"
        if case .v6 = address { return "[\(ip)]:\(port)" }
        return "\(ip):\(port)"
    }
}

extension HJ212Listener {
    /// The listener could not take its address: said with the address, where NIO's own text is
    /// a system call's name and an errno (`bind(descriptor:ptr:bytes:): Address already in use)`).
    public struct BindFailure: Error, CustomStringConvertible {
        public let host: String
        public let port: Int
        public let error: any Error

        /// True when another process holds the port.
        public var portTaken: Bool {
            (error as? IOError)?.errnoCode == EADDRINUSE || "\(error)".contains("Address already in use")
        }

        public var description: String {
            portTaken
                ? "HJ 212 listener on \(host):\(port): the port is taken by another process (another huiliu serve or hj212 listen, or another server); stop it or choose another port"
                : "HJ 212 listener on \(host):\(port): cannot listen: \(error)"
        }
    }
}
