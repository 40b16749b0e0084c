/// SplitMix64: a small, fast generator whose whole state is one seed, so a frame can be
/// regenerated from (seed, device, time) alone.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    /// A generator for one combination of inputs, mixed so nearby inputs diverge.
    init(mixing parts: UInt64...) {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for part in parts {
            var mixer = SeededGenerator(seed: seed ^ part)
            seed = mixer.next()
        }
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in `0..<1`.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
