import HuiliuCore
import Testing

/// Text from bytes only when they are UTF-8: a CSV field that is not is rejected, not repaired.
struct StringValidUTF8Tests {
    @Test(arguments: [[], Array("abc".utf8), Array("汇流 Huiliu 😀".utf8)])
    func validTextIsTakenAsItIs(bytes: [UInt8]) {
        #expect(String(validUTF8: bytes) == String(decoding: bytes, as: UTF8.self))
    }

    /// Each repair decoding would make, including the one that keeps the length (a four-byte
    /// sequence cut after three bytes becomes one three-byte U+FFFD).
    @Test(arguments: [
        [0x80], [0x61, 0xC3], [0xF0, 0x9F, 0x98, 0x61], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        [0xBC, 0xE0], [0xFF, 0x61, 0x62],
    ] as [[UInt8]])
    func anythingElseIsNone(bytes: [UInt8]) {
        #expect(String(validUTF8: bytes) == nil)
    }
}

/// Whether a disk has room for a store to go on writing, as the daemon's readiness says.
struct FreeSpaceTests {
    @Test func roomIsMeasuredAgainstWhatIsNeeded() {
        #expect(FreeSpace.hasRoom(at: "/tmp", for: 1))
        #expect(!FreeSpace.hasRoom(at: "/tmp", for: Int.max))
        #expect(FreeSpace.hasRoom(at: "/no/such/directory", for: Int.max), "a check that fails says nothing of the disk")
    }
}
