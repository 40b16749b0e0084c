import HuiliuKit
import HuiliuTransport

extension Proxy {
    /// The transport's form of the gateway's `http.proxy` setting.
    init(_ outbound: OutboundProxy) {
        switch outbound.route {
        case .direct: self = .direct
        case .environment: self = .environment
        case .server(let url):
            // A password in the URL from a secret, `@` or `/` in it, is encoded there (libcurl took the
            // rest of it for the proxy's host name).
            self = .server(url: URLRedactor.encodingUserinfo(url, secrets: SecretStore.filledInValues), username: outbound.username, password: outbound.password, noProxy: outbound.noProxy)
        }
    }
}
