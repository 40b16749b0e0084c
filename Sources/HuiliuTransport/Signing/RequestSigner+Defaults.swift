import COpenSSL
import Glibc

extension RequestSigner {
    /// Milliseconds since 1970 from the system's real-time clock.
    public static let systemMilliseconds: @Sendable () -> Int64 = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// 16 random bytes from OpenSSL's CSPRNG as 32 lowercase hex digits.
    public static let randomNonce: @Sendable () -> String = {
        var bytes = [UInt8](repeating: 0, count: 16)
        precondition(RAND_bytes(&bytes, 16) == 1, "RAND_bytes failed")
        return Hex.encode(bytes)
    }
}
