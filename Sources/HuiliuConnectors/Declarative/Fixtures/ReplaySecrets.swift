import Foundation
import HuiliuCore
import HuiliuExpression
import HuiliuTransport

extension ConnectorManifest {
    /// The value a secret field has when fixtures replay: never the real one, but one that
    /// works where the field is used. A field that is an SM4 key or IV on its own
    /// (`key: "{{ config.sm4_key }}"`) gets sixteen bytes in that key's encoding, since a
    /// response recorded under the real key is encrypted again under this one
    /// (``DeclarativeSource/reencrypted(_:replaySecrets:scrubbing:)``); any other gets `replay-<field>-value`.
    public func replaySecret(_ field: String) -> String {
        let bytes = Array(Digest.sha256.hash(Array("huiliu-replay-\(field)".utf8)).prefix(16))
        for stream in streams {
            guard case .http(let http) = stream.kind, let decrypt = http.response.decrypt else { continue }
            guard [decrypt.key, decrypt.iv].contains(where: { $0?.isField(field) == true }) else { continue }
            switch decrypt.keyEncoding {
            case "base64": return Base64.encode(bytes)
            case "text": return String(Hex.encode(bytes).prefix(16))
            default: return Hex.encode(bytes)
            }
        }
        return "replay-\(field)-value"
    }
}

extension Template {
    /// True when the template is `{{ config.<field> }}` and nothing else.
    func isField(_ field: String) -> Bool {
        guard parts.count == 1, case .hole(let expression) = parts[0] else { return false }
        return expression.text.trimmingCharacters(in: .whitespaces) == "config." + field
    }
}

extension DeclarativeSource {
    /// A recorded response body with its SM4 payload decrypted under this source's key,
    /// `scrub`bed, and encrypted again under the key the replay's secrets give (`replaySecrets`,
    /// by field), so that fixtures replay without the real key; a body of a stream that decrypts
    /// nothing comes back as it is. Scrubbed inside too: the replay key is no secret (anyone can
    /// derive it), and a payload that quoted a credential kept it under that key.
    public func reencrypted(_ body: [UInt8], replaySecrets: [String: String], scrubbing scrub: (String) -> String) throws -> [UInt8] {
        guard case .http(let http) = stream.kind, let decrypt = http.response.decrypt else { return body }
        do {
            return try reencrypted(body, replaySecrets: replaySecrets, http: http, decrypt: decrypt, scrub: scrub)
        } catch {
            // Not a payload this key decrypts (an error page): kept as it came.
            return body
        }
    }

    private func reencrypted(_ body: [UInt8], replaySecrets: [String: String], http: HTTPStreamDefinition,
                             decrypt: DecryptDefinition, scrub: (String) -> String) throws -> [UInt8] {
        func scrubbed(_ plain: [UInt8]) -> [UInt8] {
            guard let text = String(validUTF8: plain) else { return plain }
            return Array(scrub(text).utf8)
        }
        let real = try ResponseDecoder(http.response, context: .object(baseContext))
        var replayContext = baseContext
        var replayConfig = config.objectValue ?? Object()
        for (field, value) in replaySecrets { replayConfig[field] = .string(value) }
        replayContext["config"] = .object(replayConfig)
        let replay = try ResponseDecoder(http.response, context: .object(replayContext))
        guard let path = decrypt.field else {
            return Array(try replay.encryptText(scrubbed(try real.decryptText(String(decoding: body, as: UTF8.self)))).utf8)
        }
        var value = try JSONReader.parse(body)
        guard let ciphertext = value.value(atPath: path)?.stringValue else { return body }
        value.setValue(.string(try replay.encryptText(scrubbed(try real.decryptText(ciphertext)))), atPath: path.joined(separator: "."))
        return Array(value.jsonText.utf8)
    }
}
