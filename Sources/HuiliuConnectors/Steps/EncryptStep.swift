import COpenSSL
public import HuiliuCore
public import HuiliuKit
import HuiliuTransport

/// Encrypts fields with SM4 (GB/T 32907) for sinks and platforms that must not read them in
/// the clear, and decrypts them again where they may.
///
/// ```yaml
/// - encrypt:
///     key: ${secret:pii/sm4}          # 64 hex digits: the SM4 key, then the HMAC-SM3 key
///     key_id: pii-2026
///     fields: [payee.account, payee.id_number]
/// ```
///
/// Each value becomes `SM4:<key_id>:<Base64 of IV ‖ ciphertext ‖ tag>`: SM4-CBC with a random
/// 16-byte IV and PKCS#7 padding over the value's UTF-8 text, then (encrypt-then-MAC) the first
/// 16 bytes of HMAC-SM3 over the key id, a zero byte, the field's path, a zero byte, the IV and
/// the ciphertext — what any SM4 and SM3 library computes.
public struct EncryptStep: StepConnector {
    static let key = Field<Secret>("key", .secret, "64 hexadecimal digits (32 bytes), as a reference: the SM4 key, then the HMAC-SM3 key.",
                                   example: "${secret:pii/sm4}")
    static let keyID = Field<String>("key_id", .string, "A name for the key, written into each value (and authenticated with it) so a receiver knows which key to use when keys rotate.",
                                     example: "pii-2026")
    static let fields = Field<[String]>("fields", .list(.string), "Field paths (dotted for nesting; a list's items through the list's field).",
                                        example: ["payee.account", "payee.id_number"])

    public static let spec = ComponentSpec(
        name: "encrypt", kind: .step, summary: "Encrypts fields with SM4 and authenticates them with HMAC-SM3, for data that leaves in cipher text.",
        details: """
            The key is 64 hexadecimal digits: 16 bytes of SM4 key, then 16 bytes of HMAC-SM3 key. Each listed field's \
            value becomes `SM4:<key_id>:<base64>`, the Base64 of a random 16-byte IV, the SM4-CBC ciphertext (PKCS#7 \
            padding) of the value's UTF-8 text, and a 16-byte tag: the first half of HMAC-SM3 over the key id, a zero \
            byte, the field's path as listed (`payee.account`), a zero byte, the IV and the ciphertext — so a value \
            moved to another field no longer opens. The tag binds the path as listed, not the record or the list \
            item: values swapped between two records, or between items of one list (`kids[].phone`), still open. \
            `decrypt` must list the path as `encrypt` did (`payee.name`, not `data.payee.name` in an event read back \
            from jsonl). Text is what is encrypted: a number or any other value is encrypted as its \
            JSON text, and `decrypt` gives that text back. Missing fields and nulls are left alone, and a value this key \
            already encrypted is not encrypted again. The same value encrypts differently each time, so encrypted fields \
            cannot be compared or joined.
            """,
        fields: [key.spec, keyID.spec, fields.spec])

    let cipher: FieldCipher

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        cipher = try FieldCipher(config: config, key: Self.key, keyID: Self.keyID, fields: Self.fields)
    }

    public func process(_ records: consuming [Record]) async throws -> StepOutput {
        for index in records.indices { records[index].data = try cipher.encrypt(records[index].data) }
        return StepOutput(records: records)
    }
}

/// Decrypts fields the `encrypt` step encrypted.
public struct DecryptStep: StepConnector {
    public static let spec = ComponentSpec(
        name: "decrypt", kind: .step, summary: "Checks and decrypts fields the encrypt step encrypted (SM4, HMAC-SM3), back to text.",
        details: """
            Each listed field holding `SM4:<key_id>:<base64>` is checked against its tag and decrypted back to its text \
            (a number encrypted as its JSON text comes back as that text). Values that do not start with `SM4:` are left \
            alone. A value that does — under another key id, with a tag that does not match (a wrong key, text altered \
            or moved to another field on the way), or not in the format — fails its record, which is dead-lettered with the field's \
            pointer; the reason never quotes the value.
            """,
        fields: [EncryptStep.key.spec, EncryptStep.keyID.spec, EncryptStep.fields.spec])

    let cipher: FieldCipher

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        cipher = try FieldCipher(config: config, key: EncryptStep.key, keyID: EncryptStep.keyID, fields: EncryptStep.fields)
    }

    public func process(_ records: consuming [Record]) async throws -> StepOutput {
        var output = StepOutput(records: [])
        output.records.reserveCapacity(records.count)
        for var record in records {
            do throws(FieldCipher.Failure) {
                record.data = try cipher.decrypt(record.data)
                output.records.append(record)
            } catch {
                output.failures.append(RecordFailure(record: record, reason: error.message, pointer: error.pointer, rule: "decrypt"))
            }
        }
        return output
    }
}

/// The key and fields of an `encrypt` or `decrypt` step, and the value format they share.
struct FieldCipher: Sendable {
    let sm4: SM4
    let macKey: [UInt8]
    let keyID: String
    let paths: [(parts: [String], name: String)]

    /// The prefix of an encrypted value.
    static let scheme = "SM4:"
    /// The bytes of the tag kept: half of HMAC-SM3.
    static let tagSize = 16

    /// Why a value could not be opened, and where it is. The message never holds the value.
    struct Failure: Error {
        var pointer: String
        var message: String
    }

    init(config: ParsedConfig, key: Field<Secret>, keyID: Field<String>, fields: Field<[String]>) throws {
        // Every problem of the step at once, not one per round of fixing.
        var problems: [ConfigError] = []
        let secret = try config[key]
        let bytes = (try? Hex.decode(secret.value)).flatMap { $0.count == 2 * SM4.blockSize ? $0 : nil }
        let sm4 = bytes.flatMap { try? SM4(key: Array($0[..<16])) }
        if sm4 == nil {
            problems.append(config.error("key", "\(secret) is not a key for SM4 and HMAC-SM3: 64 hexadecimal digits (32 bytes) are needed"))
        }
        let id = try config[keyID]
        if !Self.isKeyID(id) { problems.append(config.error("key_id", "a key id is 1 to 64 letters, digits, '.', '_' or '-'")) }
        let names = try config[fields]
        if names.isEmpty { problems.append(config.error("fields", "name at least one field")) }
        var paths: [(parts: [String], name: String)] = []
        for name in names {
            let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !name.contains("["), !parts.contains("") else {
                problems.append(config.error("fields", "'\(name)' is not a field path: dotted names, where a list's items are reached through the list's field"))
                continue
            }
            paths.append((parts, name))
        }
        guard problems.isEmpty, let sm4, let bytes else { throw ConfigErrors(problems) }
        self.sm4 = sm4
        macKey = Array(bytes[16...])
        self.keyID = id
        self.paths = paths
        // An OpenSSL without SM4 or SM3 (a FIPS-only build) shows here, when the pipeline loads.
        guard HMAC.supports(.sm3) else { throw config.error("key", "this OpenSSL has no SM3, which the tag needs") }
        do {
            _ = try seal("", path: "", iv: [UInt8](repeating: 0, count: SM4.blockSize))
        } catch {
            throw config.error("key", "SM4 is not available: \(error)")
        }
    }

    /// `value` with every listed field encrypted.
    func encrypt(_ value: Value) throws -> Value {
        var value = value
        for path in paths {
            value = try value.changing(at: path.parts[...]) { field, _ throws(CryptoError) in
                // Only what this key sealed for this field is left as it is: any other text starting with the scheme is encrypted.
                if case .string(let text) = field, text.hasPrefix(Self.scheme), (try? open(text, path: path.name, at: "")) != nil { return field }
                return .string(try seal(field.stringValue ?? field.jsonText, path: path.name))
            }
        }
        return value
    }

    /// `value` with every listed field that holds an encrypted value decrypted.
    func decrypt(_ value: Value) throws(Failure) -> Value {
        var value = value
        for path in paths {
            value = try value.changing(at: path.parts[...], pointer: "") { field, pointer throws(Failure) in
                guard case .string(let text) = field, text.hasPrefix(Self.scheme) else { return field }
                return .string(try open(text, path: path.name, at: pointer ?? ""))
            }
        }
        return value
    }

    /// `SM4:<key_id>:<base64(iv ‖ ciphertext ‖ tag)>` of `text` in the field `path`, with a random IV.
    func seal(_ text: String, path: String) throws(CryptoError) -> String {
        var iv = [UInt8](repeating: 0, count: SM4.blockSize)
        guard RAND_bytes(&iv, Int32(iv.count)) == 1 else { throw CryptoError("no random bytes for an IV") }
        return try seal(text, path: path, iv: iv)
    }

    /// The sealed text with a given IV: for tests that compare with another implementation.
    func seal(_ text: String, path: String, iv: [UInt8]) throws(CryptoError) -> String {
        let ciphertext = try sm4.encrypt(Array(text.utf8), mode: .cbc(iv: iv))
        return Self.scheme + keyID + ":" + Base64.encode(iv + ciphertext + tag(path, iv, ciphertext))
    }

    /// The first ``tagSize`` bytes of HMAC-SM3 over the key id, 0, the field's path, 0, `iv` and `ciphertext`.
    func tag(_ path: String, _ iv: some Collection<UInt8>, _ ciphertext: some Collection<UInt8>) -> [UInt8] {
        let message = Array(keyID.utf8) + [0] + Array(path.utf8) + [0] + iv + ciphertext
        return Array(HMAC.authenticationCode(for: message, key: macKey, digest: .sm3).prefix(Self.tagSize))
    }

    /// True for a usable key id: 1 to 64 ASCII letters, digits, `.`, `_` or `-`.
    static func isKeyID(_ id: some StringProtocol) -> Bool {
        (1...64).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
    }

    /// The text sealed in `value` for the field `path`, once its tag checks out.
    func open(_ value: String, path: String, at pointer: String) throws(Failure) -> String {
        let rest = value.dropFirst(Self.scheme.count)
        guard let colon = rest.firstIndex(of: ":") else {
            throw Failure(pointer: pointer, message: "not an encrypted value (SM4:<key_id>:<base64>)")
        }
        let id = rest[..<colon]
        guard id == keyID else {
            // Not quoted: text that merely starts with the scheme may be personal data (SM4:<ID number>:…).
            throw Failure(pointer: pointer, message: "not encrypted with key '\(keyID)' (another key id, or text that only starts like an encrypted value)")
        }
        guard let bytes = try? Base64.decode(String(rest[rest.index(after: colon)...])),
              bytes.count >= 2 * SM4.blockSize + Self.tagSize, (bytes.count - Self.tagSize) % SM4.blockSize == 0 else {
            throw Failure(pointer: pointer, message: "not an encrypted value: its Base64 is not an IV, whole blocks and a tag")
        }
        let iv = bytes[..<SM4.blockSize], ciphertext = bytes[SM4.blockSize..<(bytes.count - Self.tagSize)]
        let expected = tag(path, iv, ciphertext), given = bytes.suffix(Self.tagSize)
        guard Digest.constantTimeEqual(expected, given) else {
            throw Failure(pointer: pointer, message: "its tag does not match key '\(keyID)' for this field: a wrong key, or text altered or moved on the way")
        }
        guard let plain = try? sm4.decrypt(ciphertext, mode: .cbc(iv: Array(iv))), let text = String(validating: plain, as: UTF8.self) else {
            throw Failure(pointer: pointer, message: "does not decrypt with key '\(keyID)' although its tag matches")
        }
        return text
    }
}
