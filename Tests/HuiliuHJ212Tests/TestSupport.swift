import Foundation
import HuiliuEnvironment
import HuiliuHJ212
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Shared fixtures for the HJ 212 listener tests.
enum Fixtures {
    /// domain.md §1.4, self-built: a river section's hour frame (Flag=4, no answer wanted).
    static let waterHour = "##0248QN=20240601090000001;ST=21;CN=2061;PW=123456;MN=42118100SW0001;Flag=4;CP=&&DataTime=20240601080000;w01001-Avg=7.52,w01001-Flag=N;w01009-Avg=6.8,w01009-Flag=N;w01019-Avg=3.9,w01019-Flag=N;w21003-Avg=0.42,w21003-Flag=N;w21011-Avg=0.11,w21011-Flag=N&&81C1\r\n"
    /// domain.md §1.4, self-built: an air station's hour frame (Flag=5, answer wanted).
    static let airHour = "##0269QN=20240601090000002;ST=22;CN=2061;PW=123456;MN=42118100AQ0001;Flag=5;CP=&&DataTime=20240601080000;a21026-Avg=9,a21026-Flag=N;a21004-Avg=62,a21004-Flag=N;a21005-Avg=0.8,a21005-Flag=N;a05024-Avg=178,a05024-Flag=N;a34002-Avg=96,a34002-Flag=N;a34004-Avg=71,a34004-Flag=N&&C601\r\n"
    /// domain.md §1.4: the 9014 that answers `airHour`.
    static let airHourAnswer = "##0077QN=20240601090000002;ST=91;CN=9014;PW=123456;MN=42118100AQ0001;Flag=4;CP=&&&&7940\r\n"
    /// domain.md §1.4 #2, a public real-time air packet (lower-case CRC).
    static let realtimeAir = "##0317QN=20191012133710130;ST=22;CN=2011;PW=123456;MN=Y80110010000010;Flag=4;CP=&&DataTime=20191012133710;a21005-Rtd=0.00,a21005-Flag=N;a21004-Rtd=0.00,a21004-Flag=N;a21007-Rtd=0.033,a21007-Flag=N;a21006-Rtd=0.036,a21006-Flag=N;a21001-Rtd=25.40,a21001-Flag=N;a21003-Rtd=101.94,a21003-Flag=N;a21002-Rtd=49.20,a21002-Flag=N&&cc01\r\n"

    /// A frame built from a data segment, with a correct length and CRC.
    static func frame(_ segment: String) -> [UInt8] {
        HJ212.encodeFrame(segment: segment)
    }

    /// An upload from `mn` asking for an answer.
    static func upload(mn: String, qn: String, pw: String = "123456", cn: String = "2011", flag: Int = 5,
                       data: String = "DataTime=20240601080000;w01001-Rtd=7.1,w01001-Flag=N") -> [UInt8] {
        frame("QN=\(qn);ST=21;CN=\(cn);PW=\(pw);MN=\(mn);Flag=\(flag);CP=&&\(data)&&")
    }

    static func stations(_ mns: [String], password: String = "123456") -> StationRegistry {
        StationRegistry(stations: mns.map { StationRegistry.Station(mn: $0, password: password) })
    }

    /// A fresh directory under the temporary directory.
    static func directory(_ name: String = #function) -> String {
        let clean = name.filter { $0.isLetter || $0.isNumber }
        let path = NSTemporaryDirectory() + "hj212-tests-\(clean)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// A running listener on an ephemeral loopback port, stopped by `stop()`.
struct RunningListener {
    let listener: HJ212Listener
    let task: Task<Void, any Error>
    let port: Int

    static func start(directory: String, stations: StationRegistry, logger: Logger = Logger(label: "quiet") { _ in SwiftLogNoOpLogHandler() },
                      configure: (inout HJ212ListenerSettings) -> Void = { _ in }) async throws -> RunningListener {
        var settings = HJ212ListenerSettings()
        settings.host = "127.0.0.1"
        settings.port = 0
        settings.bufferPath = directory + "/buffer.db"
        configure(&settings)
        let listener = try HJ212Listener(settings: settings, stations: stations, logger: logger)
        let task = Task { try await listener.run() }
        let address = try await listener.waitUntilBound()
        return RunningListener(listener: listener, task: task, port: address.port!)
    }

    func stop() async throws {
        listener.shutdown()
        try await task.value
    }
}

/// A test client over NIO: sends bytes, collects the frames that come back.
final class TestClient: Sendable {
    let channel: any Channel
    private let inbox: Inbox

    private final class Inbox: Sendable {
        let received = Mutex<[DecodedFrame]>([])
        let closed = Mutex(false)
    }

    private final class Recorder: ChannelInboundHandler, Sendable {
        typealias InboundIn = DecodedFrame
        let inbox: Inbox
        init(inbox: Inbox) { self.inbox = inbox }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let item = unwrapInboundIn(data)
            inbox.received.withLock { $0.append(item) }
        }
        func channelInactive(context: ChannelHandlerContext) {
            inbox.closed.withLock { $0 = true }
            context.fireChannelInactive()
        }
    }

    private init(channel: any Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    static func connect(port: Int) async throws -> TestClient {
        let inbox = Inbox()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HJ212FrameCodec()))
                    try channel.pipeline.syncOperations.addHandler(Recorder(inbox: inbox))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return TestClient(channel: channel, inbox: inbox)
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    /// Replies received so far.
    var replies: [HJ212.Frame] { inbox.received.withLock { $0.compactMap(\.frame) } }

    var isClosed: Bool { inbox.closed.withLock { $0 } }

    /// Waits until `count` replies arrived or `timeout` passed; returns the replies.
    @discardableResult
    func waitForReplies(_ count: Int, timeout: Duration = .seconds(20)) async throws -> [HJ212.Frame] {
        let deadline = ContinuousClock.now + timeout
        while replies.count < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        return replies
    }

    /// Waits until the server closed the connection or `timeout` passed.
    func waitForClose(timeout: Duration = .seconds(20)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !isClosed, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        return isClosed
    }

    func close() async {
        try? await channel.close()
    }
}
