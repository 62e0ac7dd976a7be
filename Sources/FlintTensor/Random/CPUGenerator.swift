#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// libtorch's CPU random number generator (`CPUGeneratorImpl`): a 32-bit Mersenne Twister (mt19937) seeded as c10
/// seeds it, with the cached second Box–Muller sample of its normal distribution. With the same seed it draws
/// exactly libtorch's numbers, so `torch.manual_seed(s)` followed by `torch.rand`, `torch.randn`, `torch.randint`
/// or `torch.randperm` gives libtorch's tensors.
///
/// One generator (``default``) serves the process, as libtorch's default CPU generator does, starting from its
/// default seed (67280421310721): a fresh Flint process draws what a fresh libtorch process draws. The
/// distributions' cases that can differ are listed with ``Tensor/uniform(_:from:to:dtype:generator:)``'s family.
public final class CPUGenerator: @unchecked Sendable {
    /// c10's default seed: the default generator's, and a new `torch.Generator()`'s.
    public static let defaultSeed: UInt64 = 67_280_421_310_721

    /// The process's default generator.
    public static let `default` = CPUGenerator(seed: defaultSeed)

    private var words = [UInt32](repeating: 0, count: 624)
    private var position = 624
    private var seedValue: UInt64
    private var cachedNormal: Double?
    private let mutex: UnsafeMutablePointer<pthread_mutex_t> = {
        let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        return mutex
    }()

    /// A generator seeded with `seed`.
    public init(seed: UInt64) {
        seedValue = seed
        reseed(seed)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// The seed last set (`torch.initial_seed()`).
    public var initialSeed: UInt64 { locked { seedValue } }

    /// Restarts the sequence from `seed` (`torch.manual_seed`), forgetting a cached normal sample.
    public func seed(_ seed: UInt64) { locked { reseed(seed) } }

    /// The generator's whole state, to put back with ``restore(_:)``: the graph executor draws again after a
    /// recording run it discards, and must draw what that run drew.
    public struct State: Sendable {
        fileprivate let words: [UInt32]
        fileprivate let position: Int
        fileprivate let seed: UInt64
        fileprivate let cachedNormal: Double?
    }

    /// The current state.
    public var state: State { locked { State(words: words, position: position, seed: seedValue, cachedNormal: cachedNormal) } }

    /// Puts back a state taken with ``state``.
    public func restore(_ saved: State) {
        locked {
            words = saved.words
            position = saved.position
            seedValue = saved.seed
            cachedNormal = saved.cachedNormal
        }
    }

    /// Runs `body` with the generator to itself: a tensor's draws are one uninterrupted run of the sequence. The lock is
    /// not re-entrant: `body` must not seed or draw through another entry.
    package func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    private func reseed(_ seed: UInt64) {
        seedValue = seed
        cachedNormal = nil
        words[0] = UInt32(truncatingIfNeeded: seed)
        for j in 1..<624 {
            words[j] = 1_812_433_253 &* (words[j - 1] ^ (words[j - 1] >> 30)) &+ UInt32(j)
        }
        position = 624
    }

    private func twist() {
        for k in 0..<624 {
            let y = (words[k] & 0x8000_0000) | (words[(k + 1) % 624] & 0x7fff_ffff)
            words[k] = words[(k + 397) % 624] ^ (y >> 1) ^ (y & 1 == 1 ? 0x9908_b0df : 0)
        }
        position = 0
    }

    // The draws below are called inside `locked`.

    /// The next 32 random bits (`random()`).
    func next32() -> UInt32 {
        if position >= 624 { twist() }
        var y = words[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    /// The next 64 random bits (`random64()`): two 32-bit draws, the first the high half.
    func next64() -> UInt64 {
        let high = UInt64(next32())
        return (high << 32) | UInt64(next32())
    }

    /// A uniform number in [0, 1) with `digits` significant bits (24 for float, 53 for double, 11 for half, 8 for
    /// bfloat16): 53 bits come from a 64-bit draw, fewer from a 32-bit one.
    func unitUniform(digits: Int) -> Double {
        let bits = digits > 32 ? next64() : UInt64(next32())
        return Double(bits & ((1 << UInt64(digits)) - 1)) * Double(sign: .plus, exponent: -digits, significand: 1)
    }

    /// A standard normal sample in double precision (`normal_distribution<double>`): Box–Muller on two 53-bit
    /// uniforms, the sine half kept for the next call. Callers scale it (``RandomDraws/normal(mean:standardDeviation:)``).
    func standardNormal() -> Double {
        if let cached = cachedNormal {
            cachedNormal = nil
            return cached
        }
        let u1 = unitUniform(digits: 53), u2 = unitUniform(digits: 53)
        let radius = (-2 * log1p(-u2)).squareRoot()
        let theta = 2 * Double.pi * u1
        cachedNormal = radius * sin(theta)
        return radius * cos(theta)
    }
}
