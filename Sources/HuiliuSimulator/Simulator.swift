import Foundation
public import HTTPTypes
public import HuiliuCore
public import Hummingbird
public import Logging
import NIOCore
import Synchronization

/// Loopback fakes of the upstream systems Huiliu connects to — budget network, government
/// platform, supervisory commission, court, procuratorate and environment bureau — each
/// with the interface style such systems use (signed REST, OAuth2, SOAP, API keys, page,
/// offset, cursor, `Link` and next-URL paging), seeded data, and injectable faults.
///
/// `huiliu simulate` serves it; `huiliu demo` and the tests start it in-process.
public struct Simulator: Sendable {
    /// The credentials clients use (the demo's secrets file holds the same values).
    public enum Credentials {
        /// The budget network's application key.
        public static let budgetAppKey = "demo-app-key"
        /// The budget network's signing secret.
        public static let budgetAppSecret = "demo-app-secret-not-for-production"
        /// The government platform's OAuth2 client id.
        public static let governmentClientID = "huiliu-demo"
        /// The government platform's OAuth2 client secret.
        public static let governmentClientSecret = "gov-demo-secret"
        /// The supervisory commission's SOAP user.
        public static let supervisionUser = "huiliu"
        /// The supervisory commission's SOAP password.
        public static let supervisionPassword = "cdi-demo-password"
        /// The procuratorate's API key.
        public static let procuratorateAPIKey = "procuratorate-demo-key"
    }

    let configuration: SimulatorConfiguration
    let dataset: Dataset
    let state = SimulatorState()

    /// A simulator with a configuration.
    public init(configuration: SimulatorConfiguration = SimulatorConfiguration()) {
        self.configuration = configuration
        dataset = Dataset(configuration: configuration)
    }

    /// The router with every simulated system.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: FaultMiddleware(faults: configuration.faults, state: state))
        router.get("simulator/health") { _, _ in simulatorJSON(["status": "ok"]) }
        addBudgetRoutes(to: router)
        addGovernmentRoutes(to: router)
        addSupervisionRoutes(to: router)
        addCourtRoutes(to: router)
        addProcuratorateRoutes(to: router)
        addEnvironmentRoutes(to: router)
        return router
    }

    /// The simulator as a Hummingbird application on `host:port` (port 0 picks a free one);
    /// `onRunning` receives the bound port.
    public func application(host: String = "127.0.0.1", port: Int = 8480, logger: Logger,
                            onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "huiliu-simulator"),
                    onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) }, logger: logger)
    }

    /// Requests served, by system (`budget`, `gov`, …), for tests and the demo summary.
    public func requestCounts() -> [String: Int] {
        state.counts.withLock { $0 }
    }
}

/// What the simulator remembers between requests: counters, issued tokens, seen nonces.
final class SimulatorState: Sendable {
    let counts = Mutex<[String: Int]>([:])
    let tokens = Mutex<[String: Date]>([:])
    let nonces = Mutex<[String: Date]>([:])
    let requestNumber = Atomic<Int>(0)
}

/// A JSON response.
func simulatorJSON(_ value: Value, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
    var fields = headers
    fields[.contentType] = "application/json; charset=utf-8"
    return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: value.jsonText)))
}

/// An XML response.
func simulatorXML(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "text/xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
}

/// Injects the configured faults: latency, 429 with Retry-After, 503.
struct FaultMiddleware<Context: RequestContext>: RouterMiddleware {
    let faults: SimulatorConfiguration.Faults
    let state: SimulatorState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let system = request.uri.path.split(separator: "/").first.map(String.init) ?? ""
        if system != "simulator" { state.counts.withLock { $0[system, default: 0] += 1 } }
        let number = state.requestNumber.wrappingAdd(1, ordering: .relaxed).newValue
        if faults.latencyMilliseconds > 0 { try await Task.sleep(for: .milliseconds(faults.latencyMilliseconds)) }
        if system != "simulator" {
            if faults.tooManyRequestsEvery > 0 && number % faults.tooManyRequestsEvery == 0 {
                return simulatorJSON(["code": 429, "msg": "请求过于频繁"], status: .tooManyRequests, headers: [.retryAfter: "1"])
            }
            if faults.serverErrorEvery > 0 && number % faults.serverErrorEvery == 0 {
                return simulatorJSON(["code": 503, "msg": "服务暂不可用"], status: .serviceUnavailable)
            }
        }
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let appKey = Self("X-App-Key")!
    static let timestamp = Self("X-Timestamp")!
    static let nonce = Self("X-Nonce")!
    static let sign = Self("X-Sign")!
    static let soapAction = Self("SOAPAction")!
    static let apiKey = Self("X-Api-Key")!
    static let link = Self("Link")!
}
