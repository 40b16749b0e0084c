import HuiliuCore
import Testing

struct DigestTests {
    // GB/T 32905-2016 appendix A example 1 and FIPS 180-2 "abc".
    @Test func matchesPublishedVectors() {
        #expect(Digest.sm3.hex("abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        #expect(Digest.sha256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

struct HMACTests {
    // RFC 4231 test case 2, and HMAC-SM3 computed with Python's hmac over OpenSSL's SM3.
    @Test func matchesPublishedVectors() {
        #expect(Digest.hexString(Digest.sha256.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let long = [UInt8](repeating: 0xAA, count: 131)
        #expect(Digest.hexString(Digest.sha256.hmac(key: long, message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        #expect(Digest.hexString(Digest.sm3.hmac(key: Array("key".utf8), message: Array("The quick brown fox jumps over the lazy dog".utf8)))
                == "bd4a34077888162b210645b8ebf74b9af357303789357a27c7fc457244ebd398")
    }

    @Test func comparesSecretsInFullWhateverTheFirstDifference() {
        #expect(Digest.constantTimeEqual(Array("abc".utf8), "abc".utf8))
        #expect(!Digest.constantTimeEqual(Array("abc".utf8), "abd".utf8))
        #expect(!Digest.constantTimeEqual(Array("abc".utf8), "abcd".utf8))
        #expect(!Digest.constantTimeEqual(Array("abcd".utf8), "abc".utf8))
        #expect(!Digest.constantTimeEqual([UInt8](), [0]))
        #expect(Digest.constantTimeEqual([UInt8](), [UInt8]()))
        // Lengths 256 apart, the extra bytes zero: the length check must not wrap to equal.
        #expect(!Digest.constantTimeEqual([UInt8](repeating: 0, count: 256), [UInt8]()))
    }
}

struct EventIDTests {
    // Event ids must never change between versions: upserting sinks key on them, so a new id
    // for the same record would store it twice. Values from Python: sha256("source\0type\0key")[:16].
    @Test func eventIDsAreStableAcrossVersions() {
        #expect(Envelope.deterministicID(source: "/huiliu/budget-payments", type: "budget.payment.v1", key: "ZF2024000001")
                == "2960e38b2913b43b7f038218da69c5b0")
        #expect(Envelope.deterministicID(source: "/huiliu/法院", type: "court.case.v1", key: "（2024）鄂11民初1号")
                == "dfd05b0c91e6318124978956a669a18a")
        #expect(Envelope.deterministicID(source: "s", type: "t", key: "") == "c66238aa116ab82eac6e19fa92bc8b05")
    }
}
