import Foundation
@testable import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuKitTesting
import Testing

/// The encrypt and decrypt steps: SM4-CBC per field, in a format any SM4 library reads.
struct EncryptStepTests {
    /// GB/T 32907's example key.
    static let key = "0123456789abcdeffedcba9876543210"

    func config(key: String = key, id: String = "k1", fields: [String]) -> ParsedConfig {
        var config = ParsedConfig(testing: ["key_id": .string(id), "fields": .array(fields.map { .string($0) })])
        config.secrets["key"] = Secret(reference: "secret:pii/sm4", value: key)
        return config
    }

    func records(_ values: [Value]) -> [Record] {
        values.enumerated().map { Record(data: $1, origin: RecordOrigin("in.jsonl", position: $0 + 1)) }
    }

    /// Values computed with Python's `cryptography` (SM4, CBC, PKCS#7) and IV 00 01 … 0f.
    @Test(arguments: [
        ("6222021234567890123", "SM4:k1:AAECAwQFBgcICQoLDA0OD1JFqYa596hInkx7CjA0jZYYqn9K4aQ5pC/+7hw43ZiD"),
        ("张三 421181199001011234", "SM4:k1:AAECAwQFBgcICQoLDA0OD/5uZviey/J4yGvaWkUf7mrDsh+JWXIC3GRlUdHWsDdL"),
        ("", "SM4:k1:AAECAwQFBgcICQoLDA0OD0uRBlF1S1VT8Qz6DIoJ6eU="),
    ])
    func sealsAsAnotherSM4ImplementationDoes(plain: String, sealed: String) throws {
        let cipher = try FieldCipher(config: config(fields: ["x"]), key: EncryptStep.key, keyID: EncryptStep.keyID, fields: EncryptStep.fields)
        #expect(cipher.seal(plain, iv: Array(0..<16)) == sealed)
        #expect(try cipher.open(sealed, at: "/x") == plain)
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
        // Encrypting again leaves encrypted values as they are.
        #expect(try await encrypt.process(records([first])).records[0].data == first)

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
        let otherKey = try DecryptStep(config: config(key: "00112233445566778899aabbccddeeff", fields: ["account"]), context: .testing())
        let wrong = try await otherKey.process(sealed)
        #expect(wrong.records.count + wrong.failures.count == 2)
        #expect(wrong.records.allSatisfy { $0.data["account"] != "6222" && $0.data["account"] != "6223" }, "a wrong key never yields the text")
        let otherID = try DecryptStep(config: config(id: "k2", fields: ["account"]), context: .testing())
        let refused = try await otherID.process(sealed)
        #expect(refused.failures.map(\.reason) == ["encrypted with key 'k1'; this step has key 'k2'", "encrypted with key 'k1'; this step has key 'k2'"])
        #expect(refused.failures.first?.pointer == "/account")
        var damaged = sealed[0]
        damaged.data["account"] = .string(String(sealed[0].data["account"]!.stringValue!.prefix(7 + 32)))  // the IV and half a block
        let broken = try await DecryptStep(config: config(fields: ["account"]), context: .testing()).process([damaged, sealed[1]])
        #expect(broken.records.map { $0.data["account"] } == ["6223"])
        #expect(broken.failures.first?.reason.hasPrefix("does not decrypt with key 'k1'") == true)
    }

    @Test func aKeyThatIsNotSixteenBytesIsAConfigurationError() {
        #expect { try EncryptStep(config: config(key: "0123", fields: ["a"]), context: .testing()) } throws: {
            "\($0)".contains("<secret:pii/sm4> is not an SM4 key: 32 hexadecimal digits (16 bytes) are needed")
        }
    }
}
