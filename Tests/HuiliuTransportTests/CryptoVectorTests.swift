import HuiliuCore
import HuiliuTransport
import Testing

/// Every SM3/SM4/HMAC-SM3 vector of domain.md §7.1, plus RFC 4231 for HMAC-SHA256.
@Suite("SM3, SM4 and HMAC test vectors")
struct CryptoVectorTests {
    @Test(arguments: [
        ("abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
        (String(repeating: "abcd", count: 16), "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
        ("", "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"),
    ])
    func sm3(input: String, expected: String) {
        #expect(Digest.sm3.hex(input) == expected)
    }

    static let sm4Key = "0123456789abcdeffedcba9876543210"

    @Test func sm4Example1() throws {
        let sm4 = try SM4(key: Hex.decode(Self.sm4Key))
        let cipher = try sm4.encrypt(Hex.decode(Self.sm4Key), mode: .ecb, padding: .none)
        #expect(Hex.encode(cipher) == "681edf34d206965e86b3e94f536e4246")
        #expect(try sm4.decrypt(cipher, mode: .ecb, padding: .none) == Hex.decode(Self.sm4Key))
    }

    @Test func sm4Example2MillionRounds() throws {
        let sm4 = try SM4(key: Hex.decode(Self.sm4Key))
        // One context, one block per update: ECB without padding is a pure block function.
        let cryptor = try sm4.makeCryptor(.encrypt, mode: .ecb, padding: .none)
        var block = try Hex.decode(Self.sm4Key)
        for _ in 0..<1_000_000 { block = try cryptor.update(block) }
        #expect(Hex.encode(block) == "595298c7c6fd271f0402f804c33d3f66")
    }

    @Test func hmacSM3SelfComputedVector() {
        #expect(HMAC.hex("appKey=demo&nonce=abc123&timestamp=1700000000000", key: "appSecret-demo", digest: .sm3)
            == "3915ca2490bb2a9e5d71705061e4eed6360d20d8f3b6539c2454c75ac642b30e")
    }

    @Test func hmacSHA256RFC4231Case2() {
        #expect(HMAC.hex("what do ya want for nothing?", key: "Jefe", digest: .sha256)
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func hmacOfEmptyMessageAndKey() {
        // Python: hmac.new(b"", b"", "sha256").hexdigest()
        #expect(HMAC.hex("", key: "", digest: .sha256) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test func tifGatewaySignatureVector() {
        // domain.md §7.2 pattern 2: SHA256_hex(timestamp + paasToken + nonce + timestamp).
        let ts = "1717200000", token = "DEMO_PAAS_TOKEN_0123456789abcdef", nonce = "18fd1c2e000-a1b2c3"
        #expect(Digest.sha256.hex(ts + token + nonce + ts) == "20bead1674a49eea42d09818a87b6e54a7ae7a70525058cf0e112656df27bb00")
    }
}

@Suite("SM4 modes, padding and encodings")
struct SM4Tests {
    let sm4 = try! SM4(key: Array("1234567890abcdef".utf8))

    @Test(arguments: [0, 1, 15, 16, 17, 100])
    func roundTripsWithPKCS7(length: Int) throws {
        let plain = (0..<length).map { UInt8($0 & 0xFF) }
        for mode in [SM4.Mode.ecb, .cbc(iv: Array(repeating: 7, count: 16))] {
            let cipher = try sm4.encrypt(plain, mode: mode)
            #expect(cipher.count == (length / 16 + 1) * 16, "PKCS#7 always adds 1...16 bytes")
            #expect(try sm4.decrypt(cipher, mode: mode) == plain)
        }
    }

    @Test func decryptsBase64AndHex() throws {
        let plain = Array(#"{"name":"张三","idCard":"110101199003077777"}"#.utf8)
        let cipher = try sm4.encrypt(plain, mode: .ecb)
        #expect(try sm4.decrypt(base64: Base64.encode(cipher), mode: .ecb) == plain)
        #expect(try sm4.decrypt(hex: Hex.encode(cipher, uppercase: true), mode: .ecb) == plain)
    }

    @Test func cbcDependsOnTheIV() throws {
        let plain = Array("same plaintext, two IVs".utf8)
        let a = try sm4.encrypt(plain, mode: .cbc(iv: Array(repeating: 0, count: 16)))
        let b = try sm4.encrypt(plain, mode: .cbc(iv: Array(repeating: 1, count: 16)))
        #expect(a != b)
        #expect(try sm4.encrypt(plain, mode: .ecb) != a)
    }

    @Test func streamingMatchesOneShot() throws {
        let plain = (0..<1000).map { UInt8($0 % 251) }
        let mode = SM4.Mode.cbc(iv: Array(repeating: 9, count: 16))
        let cryptor = try sm4.makeCryptor(.decrypt, mode: mode)
        let cipher = try sm4.encrypt(plain, mode: mode)
        var out: [UInt8] = []
        var offset = 0
        for size in [1, 15, 16, 33, 200, 10_000] where offset < cipher.count {
            let end = min(cipher.count, offset + size)
            out += try cryptor.update(cipher[offset..<end])
            offset = end
        }
        out += try cryptor.finish()
        #expect(out == plain)
    }

    @Test func rejectsBadInput() throws {
        #expect(throws: CryptoError.self) { try SM4(key: [1, 2, 3]) }
        #expect(throws: CryptoError.self) { try sm4.encrypt([1], mode: .cbc(iv: [0])) }
        #expect(throws: CryptoError.self) { try sm4.decrypt([1, 2, 3], mode: .ecb) }
        #expect(throws: CryptoError.self) { try sm4.decrypt(base64: "not base64!", mode: .ecb) }
        let cipher = try sm4.encrypt(Array("secret".utf8), mode: .ecb)
        let wrongKey = try SM4(key: Array("fedcba0987654321".utf8))
        let error = #expect(throws: CryptoError.self) { try wrongKey.decrypt(cipher, mode: .ecb) }
        #expect(error?.message.contains("bad decrypt") == true)
    }
}

@Suite("Hex and base64")
struct EncodingTests {
    @Test(arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ])
    func base64RFC4648(plain: String, encoded: String) throws {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(try Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test func base64AcceptsURLSafeUnpaddedAndWrapped() throws {
        #expect(try Base64.decode("-_8") == [0xFB, 0xFF])
        #expect(try Base64.decode("Zm9v\nYmFy") == Array("foobar".utf8))
        #expect(throws: CryptoError.self) { try Base64.decode("Zm9v=Yg") }
    }

    @Test func hexRoundTrips() throws {
        #expect(Hex.encode([0x00, 0xAB, 0xFF]) == "00abff")
        #expect(Hex.encode([0xAB], uppercase: true) == "AB")
        #expect(try Hex.decode("00AbfF") == [0x00, 0xAB, 0xFF])
        #expect(throws: CryptoError.self) { try Hex.decode("abc") }
        #expect(throws: CryptoError.self) { try Hex.decode("zz") }
    }
}
