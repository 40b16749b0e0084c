import HuiliuKit
import HuiliuTransport

extension Proxy {
    /// The transport's form of the gateway's `http.proxy` setting.
    init(_ outbound: OutboundProxy) {
        switch outbound.route {
        case .direct: self = .direct
        case .environment: self = .environment
        case .server(let url):
            self = .server(url: url, username: outbound.username, password: outbound.password, noProxy: outbound.noProxy)
        }
    }
}
