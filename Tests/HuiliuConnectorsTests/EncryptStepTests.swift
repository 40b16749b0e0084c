import Foundation
@testable import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuKitTesting
import HuiliuTransport
import Testing

/// The encrypt and decrypt steps: SM4-CBC and HMAC-SM3 per field, in a format any SM4 and SM3
/// library reads.
struct EncryptStepTests {
    /// GB/T 32907's example key, then an HMAC-SM3 key.
    static let key = "0123456789abcdeffedcba9876543210" + "00112233445566778899aabbccddeeff"

    func config(key: String = key, id: String = "k1", fields: [String]) -> ParsedConfig {
        var config = ParsedConfig(testing: ["key_id": .string(id), "fields": .array(fields.map { .string($0) })])
        config.secrets["key"] = Secret(reference: "secret:pii/sm4", value: key)
        return config
    }

    func records(_ values: [Value]) -> [Record] {
        values.enumerated().map { Record(data: $1, origin: RecordOrigin("in.jsonl", position: $0 + 1)) }
    }

    /// Values computed with Python's `cryptography` (SM4, CBC, PKCS#7), IV 00 01 … 0f, and
    /// `hmac` over `hashlib`'s SM3 for the tag.
    @Test(arguments: [
        ("6222021234567890123", "SM4:k1:AAECAwQFBgcICQoLDA0OD1JFqYa596hInkx7CjA0jZYYqn9K4aQ5pC/+7hw43ZiDUXs8kkoI0oWEKpOgOhg6RQ=="),
        ("张三 421181199001011234", "SM4:k1:AAECAwQFBgcICQoLDA0OD/5uZviey/J4yGvaWkUf7mrDsh+JWXIC3GRlUdHWsDdLxkr1zG1/O1cFsk+KpSBOiw=="),
        ("", "SM4:k1:AAECAwQFBgcICQoLDA0OD0uRBlF1S1VT8Qz6DIoJ6eVggsThnXe31i9Jf+XDbTSw"),
    ])
    func sealsAsOtherSM4AndSM3ImplementationsDo(plain: String, sealed: String) throws {
        let cipher = try FieldCipher(config: config(fields: ["payee.account"]), key: EncryptStep.key, keyID: EncryptStep.keyID, fields: EncryptStep.fields)
        #expect(try cipher.seal(plain, path: "payee.account", iv: Array(0..<16)) == sealed)
        #expect(try cipher.open(sealed, path: "payee.account", at: "/payee/account") == plain)
        // The tag binds the value to its field: moved to another, it no longer opens.
        #expect(throws: FieldCipher.Failure.self) { try cipher.open(sealed, path: "payee.name", at: "/payee/name") }
    }

    /// A bad key, key id and field path are reported together.
    @Test func everyProblemOfTheStepIsReportedTogether() {
        let error = #expect(throws: ConfigErrors.self) {
            try FieldCipher(config: config(key: "abc", id: "k 1", fields: ["a..b", "ok"]), key: EncryptStep.key, keyID: EncryptStep.keyID,
                            fields: EncryptStep.fields)
        }
        #expect(error?.errors.map(\.message) == [
            "<secret:pii/sm4> is not a key for SM4 and HMAC-SM3: 64 hexadecimal digits (32 bytes) are needed",
            "a key id is 1 to 64 letters, digits, '.', '_' or '-'",
            "'a..b' is not a field path: dotted names, where a list's items are reached through the list's field",
        ])
    }

    /// Listed fields are encrypted (in lists' items too), others and nulls are left alone, and
    /// decrypting gives the text back; the same value encrypts differently each time.
    @Test func encryptsListedFieldsAndDecryptsThemBack() async throws {
        let encrypt = try EncryptStep(config: config(fields: ["payee.account", "children.id_number", "amount_fen"]), context: .testing())
        let input: Value = [
            "payee": ["name": "黄冈市城建工程有限公司", "account": "6222021234567890123"],
            "children": [["id_number": "421181199001011234"], ["id_number": nil], ["name": "无"]],
            "amount_fen": 12_345,
        ]
        let sealed = try await encrypt.process(records([input, input]))
        let first = sealed.records[0].data
        #expect(first["payee"]?["name"] == "黄冈市城建工程有限公司")
        #expect(first["payee"]?["account"]?.stringValue?.hasPrefix("SM4:k1:") == true)
        #expect(first["children"]?[0]?["id_number"]?.stringValue?.hasPrefix("SM4:k1:") == true)
        #expect(first["children"]?[1]?["id_number"] == .null)
        #expect(first["children"]?[2] == ["name": "无"])
        #expect(first["payee"]?["account"] != sealed.records[1].data["payee"]?["account"], "a random IV per value")
        // Encrypting again leaves what this key encrypted as it is, but not text that merely looks encrypted.
        #expect(try await encrypt.process(records([first])).records[0].data == first)
        let lookalike = try await encrypt.process(records([["amount_fen": "SM4:k1:AAAA"]])).records[0].data["amount_fen"]?.stringValue
        #expect(lookalike?.hasPrefix("SM4:k1:") == true && lookalike != "SM4:k1:AAAA")

        let decrypt = try DecryptStep(config: config(fields: ["payee.account", "children.id_number", "amount_fen"]), context: .testing())
        let opened = try await decrypt.process(sealed.records)
        #expect(opened.failures.isEmpty)
        var expected = input
        expected["amount_fen"] = "12345"
        #expect(opened.records.map(\.data) == [expected, expected])
    }

    /// A value under another key id, or one the key does not open, fails its record with the
    /// field's pointer; the other records go on.
    @Test func aValueTheKeyDoesNotOpenFailsItsRecord() async throws {
        let encrypt = try EncryptStep(config: config(fields: ["account"]), context: .testing())
        let sealed = try await encrypt.process(records([["account": "6222"], ["account": "6223"]])).records
        let otherKey = try DecryptStep(config: config(key: String(Self.key.reversed()), fields: ["account"]), context: .testing())
        let wrong = try await otherKey.process(sealed)
        #expect(wrong.records.isEmpty)
        #expect(wrong.failures.map(\.reason) == Array(repeating: "its tag does not match key 'k1' for this field: a wrong key, or text altered or moved on the way", count: 2))
        let otherID = try DecryptStep(config: config(id: "k2", fields: ["account"]), context: .testing())
        let refused = try await otherID.process(sealed)
        #expect(refused.failures.map(\.reason) == Array(repeating: "not encrypted with key 'k2' (another key id, or text that only starts like an encrypted value)", count: 2))
        #expect(refused.failures.first?.pointer == "/account")
        // One bit of the IV flipped on the way: CBC alone would decrypt it to other digits; the tag refuses it.
        var altered = sealed[0]
        var bytes = try Base64.decode(String(sealed[0].data["account"]!.stringValue!.dropFirst(7)))
        bytes[0] ^= 0x01
        altered.data["account"] = .string("SM4:k1:" + Base64.encode(bytes))
        var cut = sealed[0]
        cut.data["account"] = .string(String(sealed[0].data["account"]!.stringValue!.prefix(7 + 32)))
        let broken = try await DecryptStep(config: config(fields: ["account"]), context: .testing()).process([altered, cut, sealed[1]])
        #expect(broken.records.map { $0.data["account"] } == ["6223"])
        #expect(broken.failures.map(\.reason) == ["its tag does not match key 'k1' for this field: a wrong key, or text altered or moved on the way",
                                                   "not an encrypted value: its Base64 is not an IV, whole blocks and a tag"])
    }

    @Test func aKeyThatIsNotSixteenBytesIsAConfigurationError() {
        #expect { try EncryptStep(config: config(key: "0123", fields: ["a"]), context: .testing()) } throws: {
            "\($0)".contains("<secret:pii/sm4> is not a key for SM4 and HMAC-SM3: 64 hexadecimal digits (32 bytes) are needed")
        }
    }
}
