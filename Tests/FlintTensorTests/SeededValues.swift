/// Reproducible test inputs: a 64-bit linear congruential sequence from `seed`, mapped to uniform floats in
/// [-scale, scale).
enum SeededValues {
    static func uniform(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Float(state >> 40) / Float(1 << 23) - 1) * scale
        }
    }
}
