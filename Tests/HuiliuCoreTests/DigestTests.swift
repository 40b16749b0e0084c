import HuiliuCore
import Testing

struct DigestTests {
    // GB/T 32905-2016 appendix A example 1 and FIPS 180-2 "abc".
    @Test func matchesPublishedVectors() {
        #expect(Digest.sm3.hex("abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        #expect(Digest.sha256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
