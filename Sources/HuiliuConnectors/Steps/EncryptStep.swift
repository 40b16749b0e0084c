import COpenSSL
public import HuiliuCore
public import HuiliuKit
import HuiliuTransport

/// Encrypts fields with SM4 (GB/T 32907) for sinks and platforms that must not read them in
/// the clear, and decrypts them again where they may.
///
/// ```yaml
/// - encrypt:
///     key: ${secret:pii/sm4}          # 32 hex digits
///     key_id: pii-2026
///     fields: [payee.account, payee.id_number]
/// ```
///
/// Each value becomes `SM4:<key_id>:<Base64 of IV ‖ ciphertext>`: SM4-CBC with a random
/// 16-byte IV and PKCS#7 padding over the value's UTF-8 text, what any SM4 library reads.
public struct EncryptStep: StepConnector {
    static let key = Field<Secret>("key", .secret, "The SM4 key: 32 hexadecimal digits (16 bytes), as a reference.",
                                   example: "${secret:pii/sm4}")
    static let keyID = Field<String>("key_id", .string, "A name for the key, written into each value so a receiver knows which key to use when keys rotate.",
                                     example: "pii-2026")
    static let fields = Field<[String]>("fields", .list(.string), "Field paths (dotted for nesting; a list's items through the list's field).",
                                        example: ["payee.account", "payee.id_number"])

    public static let spec = ComponentSpec(
        name: "encrypt", kind: .step, summary: "Encrypts fields with SM4 (CBC, random IV), for data that leaves in cipher text.",
        details: """
            Each listed field's value becomes `SM4:<key_id>:<base64>`, the Base64 of a random 16-byte IV followed by \
            the SM4-CBC ciphertext (PKCS#7 padding) of the value's UTF-8 text; numbers and other values are encrypted as \
            their JSON text. Missing fields and nulls are left alone, and a value already encrypted is not encrypted \
            again. The same value encrypts differently each time, so encrypted fields cannot be compared or joined; \
            the ciphertext carries no integrity tag (the provenance chain and TLS cover that). The `decrypt` step \
            reverses it.
            """,
        fields: [key.spec, keyID.spec, fields.spec])

    let cipher: FieldCipher

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        cipher = try FieldCipher(config: config, key: Self.key, keyID: Self.keyID, fields: Self.fields)
    }

    public func process(_ records: consuming [Record]) async throws -> StepOutput {
        for index in records.indices { records[index].data = cipher.encrypt(records[index].data) }
        return StepOutput(records: records)
    }
}

/// Decrypts fields the `encrypt` step encrypted.
public struct DecryptStep: StepConnector {
    public static let spec = ComponentSpec(
        name: "decrypt", kind: .step, summary: "Decrypts fields the encrypt step encrypted (SM4), back to text.",
        details: """
            Each listed field holding `SM4:<key_id>:<base64>` is decrypted back to its text. Values that are not \
            encrypted are left alone. A value encrypted under another key id, or one that does not decrypt (a wrong \
            key, damaged text), fails its record, which is dead-lettered with the field's pointer.
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
    let keyID: String
    let paths: [[String]]

    /// The prefix of an encrypted value.
    static let scheme = "SM4:"

    /// Why a value could not be decrypted, and where it is.
    struct Failure: Error {
        var pointer: String
        var message: String
    }

    init(config: ParsedConfig, key: Field<Secret>, keyID: Field<String>, fields: Field<[String]>) throws {
        let secret = try config[key]
        do {
            sm4 = try SM4(key: try Hex.decode(secret.value))
        } catch {
            throw config.error("key", "\(secret) is not an SM4 key: 32 hexadecimal digits (16 bytes) are needed")
        }
        self.keyID = try config[keyID]
        guard !self.keyID.isEmpty, !self.keyID.contains(":") else { throw config.error("key_id", "a key id is a name without ':'") }
        let names = try config[fields]
        guard !names.isEmpty else { throw config.error("fields", "name at least one field") }
        var paths: [[String]] = []
        for name in names {
            let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !name.contains("["), !parts.contains("") else {
                throw config.error("fields", "'\(name)' is not a field path: dotted names, where a list's items are reached through the list's field")
            }
            paths.append(parts)
        }
        self.paths = paths
    }

    /// `value` with every listed field encrypted.
    func encrypt(_ value: Value) -> Value {
        var value = value
        for path in paths {
            value = Self.transforming(value, at: path[...], pointer: "") { field, _ in
                if case .string(let text) = field, text.hasPrefix(Self.scheme) { return field }
                return .string(seal(field.stringValue ?? field.jsonText))
            }
        }
        return value
    }

    /// `value` with every listed field that holds an encrypted value decrypted.
    func decrypt(_ value: Value) throws(Failure) -> Value {
        var value = value
        for path in paths {
            value = try Self.transforming(value, at: path[...], pointer: "") { field, pointer throws(Failure) in
                guard case .string(let text) = field, text.hasPrefix(Self.scheme) else { return field }
                return .string(try open(text, at: pointer))
            }
        }
        return value
    }

    /// `SM4:<key_id>:<base64(iv ‖ ciphertext)>` of `text`.
    func seal(_ text: String) -> String {
        var iv = [UInt8](repeating: 0, count: SM4.blockSize)
        precondition(RAND_bytes(&iv, Int32(iv.count)) == 1, "RAND_bytes failed")
        return seal(text, iv: iv)
    }

    /// The sealed text with a given IV: for tests that compare with another implementation.
    func seal(_ text: String, iv: [UInt8]) -> String {
        // A 16-byte key and IV with PKCS#7 padding cannot fail.
        let ciphertext = try! sm4.encrypt(Array(text.utf8), mode: .cbc(iv: iv))
        return Self.scheme + keyID + ":" + Base64.encode(iv + ciphertext)
    }

    /// The text sealed in `value`.
    func open(_ value: String, at pointer: String) throws(Failure) -> String {
        let rest = value.dropFirst(Self.scheme.count)
        guard let colon = rest.firstIndex(of: ":") else {
            throw Failure(pointer: pointer, message: "'\(value.prefix(24))…' is not SM4:<key_id>:<base64>")
        }
        let id = rest[..<colon]
        guard id == keyID else {
            throw Failure(pointer: pointer, message: "encrypted with key '\(id)'; this step has key '\(keyID)'")
        }
        do {
            let bytes = try Base64.decode(String(rest[rest.index(after: colon)...]))
            guard bytes.count >= 2 * SM4.blockSize else { throw CryptoError("too short") }
            let plain = try sm4.decrypt(bytes[SM4.blockSize...], mode: .cbc(iv: Array(bytes[..<SM4.blockSize])))
            guard let text = String(validating: plain, as: UTF8.self) else { throw CryptoError("not UTF-8") }
            return text
        } catch {
            throw Failure(pointer: pointer, message: "does not decrypt with key '\(keyID)' (wrong key, or damaged text): \(error)")
        }
    }

    /// `value` with `change` applied to the field at `path`, in every item of the lists along
    /// the way; missing fields and nulls are left alone.
    static func transforming<E: Error>(_ value: Value, at path: ArraySlice<String>, pointer: String,
                                       _ change: (Value, String) throws(E) -> Value) throws(E) -> Value {
        guard let name = path.first else { return value.isNull ? value : try change(value, pointer) }
        switch value {
        case .object(var object):
            guard let member = object[name] else { return value }
            object[name] = try transforming(member, at: path.dropFirst(), pointer: pointer + "/" + name, change)
            return .object(object)
        case .array(let items):
            var changed: [Value] = []
            for (index, item) in items.enumerated() {
                changed.append(try transforming(item, at: path, pointer: pointer + "/\(index)", change))
            }
            return .array(changed)
        default:
            return value
        }
    }
}
