import Foundation
public import HuiliuEnvironment
public import Logging
public import NIOCore
public import NIOPosix
import Synchronization

/// The HJ 212 TCP listener: accepts device connections, decodes and verifies their frames,
/// refuses unknown devices and wrong passwords, commits data uploads to the durable buffer
/// and acknowledges them (9014, when `Flag` asks) only after the commit.
///
/// It follows `NIOTCPEchoServer`: a `ServerBootstrap` whose children are wrapped in
/// `NIOAsyncChannel`s, each served by a child task of a discarding task group, and errors
/// of one connection are logged without touching the others.
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
    let admission: FrameAdmission
    let logger: Logger
    let committer: GroupCommitter
    let eventLoopGroup: any EventLoopGroup
    private let state = Mutex(State())

    struct State {
        var boundAddress: SocketAddress?
        var server: (any Channel)?
        var connections: [ObjectIdentifier: any Channel] = [:]
        var shuttingDown = false
        var boundWaiters: [CheckedContinuation<SocketAddress, any Error>] = []
    }

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
        self.eventLoopGroup = eventLoopGroup
        admission = FrameAdmission(stations: stations, acceptsUnknownStations: settings.acceptsUnknownStations)
        committer = try GroupCommitter(path: settings.bufferPath, stations: stations, configuration: settings.groupCommit)
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
        let server: NIOAsyncChannel<NIOAsyncChannel<DecodedFrame, ByteBuffer>, Never>
        do {
            server = try await bind()
        } catch {
            let waiters = state.withLock { state in defer { state.boundWaiters = [] }; return state.boundWaiters }
            for waiter in waiters { waiter.resume(throwing: error) }
            await committer.finish()
            throw error
        }
        let address = server.channel.localAddress
        let (waiters, stopNow) = state.withLock { state in
            state.boundAddress = address
            state.server = server.channel
            defer { state.boundWaiters = [] }
            return (state.boundWaiters, state.shuttingDown)
        }
        if let address { for waiter in waiters { waiter.resume(returning: address) } }
        if stopNow { server.channel.close(promise: nil) }
        logger.info("HJ 212 listener accepting", metadata: ["address": "\(address.map(Self.describe) ?? "?")"])
        defer { state.withLock { $0.boundAddress = nil; $0.server = nil } }
        do {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } catch {
            await committer.finish()
            throw error
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

    private func bind() async throws -> NIOAsyncChannel<NIOAsyncChannel<DecodedFrame, ByteBuffer>, Never> {
        let decoder = settings.decoder
        let idle = TimeAmount.nanoseconds(settings.idleTimeout.nanoseconds)
        let logger = self.logger
        let metrics = self.metrics
        return try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 4096)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // Half-closure lets shutdown stop reading while acknowledgements still go out.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let peer = channel.remoteAddress.map(Self.describe) ?? "unknown"
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idle))
                    try channel.pipeline.syncOperations.addHandler(IdleCloser(logger: logger, peer: peer) {
                        metrics.count(idleClosed: ())
                    })
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HJ212FrameCodec(configuration: decoder)))
                    return try NIOAsyncChannel<DecodedFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
    }

    private func serve(_ connection: NIOAsyncChannel<DecodedFrame, ByteBuffer>) async {
        let channel = connection.channel
        let id = ObjectIdentifier(channel)
        let stopping = state.withLock { state in
            state.connections[id] = channel
            return state.shuttingDown
        }
        if stopping { Self.closeInput(channel) }
        metrics.connectionOpened()
        var session = ConnectionSession(peer: channel.remoteAddress.map(Self.describe) ?? "unknown", listener: self)
        session.logger.debug("HJ 212 device connected")
        do {
            try await connection.executeThenClose { inbound, outbound in
                for try await item in inbound {
                    guard try await session.handle(item, outbound: outbound) else { break }
                }
            }
        } catch {
            session.logger.debug("HJ 212 connection ended with an error", metadata: ["error": "\(error)"])
        }
        state.withLock { _ = $0.connections.removeValue(forKey: id) }
        metrics.connectionClosed()
        session.logger.debug("HJ 212 device disconnected")
    }

    /// Stops reading from a connection; the channel closes once its task has finished.
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
