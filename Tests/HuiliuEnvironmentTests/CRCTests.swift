import HuiliuEnvironment
import Testing

struct CRCTests {
    @Test func appendixAExampleIs1C80NotModbus() {
        let segment = "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&"
        #expect(HJ212.crc16(Array(segment.utf8)) == 0x1C80)
        // CRC-16/MODBUS over the same bytes gives 0759 (domain.md §1.4); the HJ 212 variant must differ.
        var modbus: UInt16 = 0xFFFF
        for byte in segment.utf8 {
            modbus ^= UInt16(byte)
            for _ in 0..<8 { modbus = modbus & 1 == 1 ? (modbus >> 1) ^ 0xA001 : modbus >> 1 }
        }
        #expect(modbus == 0x0759)
    }

    @Test func tableMatchesTheReferenceLoop() {
        // The bit-by-bit loop of Appendix A, verbatim in logic.
        func reference(_ bytes: [UInt8]) -> UInt16 {
            var crc: UInt16 = 0xFFFF
            for byte in bytes {
                crc = (crc >> 8) ^ UInt16(byte)
                for _ in 0..<8 {
                    let check = crc & 1
                    crc >>= 1
                    if check == 1 { crc ^= 0xA001 }
                }
            }
            return crc
        }
        var state: UInt64 = 42
        for length in [0, 1, 2, 7, 64, 255, 1024] {
            let bytes = (0..<length).map { _ -> UInt8 in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return UInt8(truncatingIfNeeded: state >> 33)
            }
            #expect(HJ212.crc16(bytes) == reference(bytes))
        }
    }

    @Test(arguments: [
        (Fixtures.appendixA, 0x1C80), (Fixtures.guocay0, 0xCC01), (Fixtures.alltobs2025, 0x7D00),
        (Fixtures.airHour, 0xC181), (Fixtures.xiaoyao2005, 0x4980), (Fixtures.fork453, 0xC0C1),
        (Fixtures.guocay4, 0x71C0), (Fixtures.guocay5, 0x5780), (Fixtures.surfaceWaterHour, 0x81C1),
        (Fixtures.airQualityHour, 0xC601), (Fixtures.airQualityAck, 0x7940),
    ] as [(String, UInt16)])
    func realPacketChecksums(frame: String, crc: UInt16) {
        let bytes = Array(frame.utf8)
        #expect(HJ212.crc16(bytes[6..<(bytes.count - 6)]) == crc)
    }
}
