import CSQLite
import Foundation
import HuiliuKit
import HuiliuKitTesting
import HuiliuCore
@testable import HuiliuTestSupport
import Testing

/// Kills the gateway (`huiliu serve` with the HJ 212 listener) with SIGKILL while devices
/// send, restarts it, and checks every frame a device saw acknowledged is stored exactly once.
@Suite(.serialized) struct HJ212CrashTests {
    func freePort() -> Int {
        // Bind port 0, read the port the kernel chose, and release it for the gateway.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func everyAcknowledgedFrameIsStoredExactlyOnceAcrossAKill() async throws {
        let project = try temporaryProject("hj212")
        try FileManager.default.createDirectory(atPath: project + "/config/hj212", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: HuiliuCommand.root.appendingPathComponent("config/hj212/stations.yaml").path,
                                         toPath: project + "/config/hj212/stations.yaml")
        try FileManager.default.copyItem(atPath: HuiliuCommand.root.appendingPathComponent("config/secrets.example.yaml").path,
                                         toPath: project + "/config/secrets.yaml")
        var port = 0
        func configure() throws {
            port = freePort()
            try """
                version: 1
                secrets: { file: config/secrets.yaml }
                admin: { port: 0 }
                listeners:
                  hj212: { address: 127.0.0.1, port: \(port), stations: config/hj212/stations.yaml, buffer: data/hj212-buffer.db }
                """.write(toFile: project + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        }
        try configure()

        // The port was free when chosen, but another test's connection may take it before the
        // gateway binds it: a gateway that exits at once is started again on another port.
        func startGateway(attempts: Int = 3) async throws -> SpawnedProcess {
            for attempt in 1...attempts {
                let log = project + "/serve-\(attempt).log"
                let serve = try HuiliuCommand.start(["serve"], in: project, output: .null, errors: .file(log))
                let deadline = Date().addingTimeInterval(30)
                while Date() < deadline, serve.isRunning, !loopbackAcceptsConnections(port: port) {
                    try await Task.sleep(for: .milliseconds(100))
                }
                if loopbackAcceptsConnections(port: port) { return serve }
                serve.signal(SIGTERM)
                await HuiliuCommand.exit(of: serve)
                let said = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                if attempt == attempts || !said.contains("ddress already in use") {
                    Issue.record("the HJ 212 listener did not come up on port \(port): \(said.suffix(600))")
                    return serve
                }
                try configure()
            }
            fatalError("unreachable")
        }
        // Each device's clock runs one second per frame, ahead of the wall clock, so the second
        // fleet starts a day later: a device never reuses a QN for different data.
        // Devices the stations file does not list are refused without an answer and wait out
        // their acknowledgement timeout: the second fleet's is short so it ends soon after its
        // two seconds (a slow acknowledgement it gives up on is merely not counted).
        func emulate(_ log: String, seconds: Int, ackTimeout: Int, start: String) throws -> SpawnedProcess {
            let emulator = try HuiliuCommand.start(["hj212", "emulate", "--target", "127.0.0.1:\(port)", "--devices", "12",
                                                "--rate", "0", "--duration", "\(seconds)", "--editions", "2017,2025", "--all-ask",
                                                "--ack-timeout", "\(ackTimeout)", "--start-time", start,
                                                "--acked-log", project + "/" + log], in: project)
            return emulator
        }

        /// Frames the gateway has committed to its buffer so far (0 before the file exists).
        func storedFrames() -> Int {
            guard let probe = try? SQLiteProbe(path: project + "/data/hj212-buffer.db") else { return 0 }
            defer { sqlite3_close(probe.handle) }
            return (try? probe.integer("SELECT count(*) FROM hj212_frames")) ?? 0
        }

        let gateway = try await startGateway()
        var gatewayEnded = false
        defer { if !gatewayEnded { gateway.signal(SIGKILL) } }
        // The first fleet would send for ten minutes: it ends when the kill drops its connections.
        let first = try emulate("acked-1.txt", seconds: 600, ackTimeout: 30, start: "20260301000000")
        var firstEnded = false
        defer { if !firstEnded { first.signal(SIGKILL) } }
        // Let frames flow, then kill the gateway in the middle of it. The fleet writes its
        // acked log only when it ends, so watch the buffer instead: a device waits for each
        // acknowledgement before its next upload, so with 250 frames stored the 12 devices have
        // seen at least 238 acknowledgements.
        try await eventually("250 frames in the gateway's buffer", timeout: .seconds(120)) {
            storedFrames() >= 250 || !gateway.isRunning || !first.isRunning
        }
        gateway.signal(SIGKILL)
        await HuiliuCommand.exit(of: gateway)
        gatewayEnded = true
        await HuiliuCommand.exit(of: first)
        firstEnded = true

        let restarted = try await startGateway()
        let second = try emulate("acked-2.txt", seconds: 2, ackTimeout: 2, start: "20260302000000")
        await HuiliuCommand.exit(of: second)
        // Devices resend what was not acknowledged: the same fleet from the same start sends the
        // first fleet's frames again, which the buffer already holds. They must be answered (or
        // the devices would resend for ever) and not stored a second time.
        let again = try emulate("acked-again.txt", seconds: 1, ackTimeout: 2, start: "20260301000000")
        await HuiliuCommand.exit(of: again)
        restarted.signal(SIGTERM)
        #expect(await HuiliuCommand.exit(of: restarted).status == 0)

        func ackedLines(_ log: String) throws -> [Substring] {
            try String(contentsOfFile: project + "/" + log, encoding: .utf8).split(separator: "\n")
        }
        let acked = try ackedLines("acked-1.txt")
        #expect(acked.count >= 200, "the devices saw \(acked.count) acknowledgements before the kill")
        #expect(try ackedLines("acked-2.txt").count > 0, "the restarted gateway acknowledged nothing")
        let resent = Set(try ackedLines("acked-again.txt")).intersection(acked)
        #expect(!resent.isEmpty, "no frame acknowledged before the kill was sent and acknowledged again")
        for log in ["acked-1.txt", "acked-2.txt", "acked-again.txt"] {
            let verify = try await HuiliuCommand.run(["hj212", "verify", "--buffer", "data/hj212-buffer.db", "--acked", log], in: project)
            #expect(verify.status == 0, "\(log): \(verify.stdout)\(verify.stderr)")
        }
    }

    /// A buffer that cannot be read is no finding about the frames: exit 2, as for a missing one
    /// (it was exit 1, the status of frames missing or stored twice).
    @Test func verifyRefusesAFileThatIsNoBuffer() async throws {
        let project = try temporaryProject("hj212-verify")
        try "not a database\n".write(toFile: project + "/notdb.db", atomically: true, encoding: .utf8)
        try "##0100QN=20240601090000001;ST=21;CN=2061;MN=X&&0000\n".write(toFile: project + "/acked.txt", atomically: true, encoding: .utf8)
        let verify = try await HuiliuCommand.run(["hj212", "verify", "--buffer", "notdb.db", "--acked", "acked.txt"], in: project)
        #expect(verify.status == 2 && verify.stderr.contains("notdb.db: cannot read it as an HJ 212 buffer"), "\(verify.stderr)")
    }
}
