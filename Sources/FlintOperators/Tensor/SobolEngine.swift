#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FlintTensor
import FlintValues

/// The Sobol engine's kernels on plain arrays.
enum SobolEngine {
    /// Bits of a direction number (libtorch's MAXBIT) and the dimensions torch's table has (MAXDIM).
    static let bits = 30
    static let maximumDimension: Int64 = 21201

    static func requireLong(_ tensor: Tensor, _ name: String) throws {
        guard tensor.dtype == .int64 else { throw OperatorError("\(name) needs to be of type Long") }
    }

    static func checkStateShape(_ state: Tensor, dimension: Int64) throws {
        guard state.rank == 2, Int64(state.shape[0]) == dimension, state.shape[1] >= bits else {
            throw OperatorError("sobolstate must have shape [\(dimension), at least \(bits)], but got \(state.shape)")
        }
    }

    /// libtorch's checks of draw and fast-forward, in its order.
    static func checkInputs(quasi: Tensor, n: Int64, state: Tensor, dimension: Int64, generated: Int64) throws {
        try requireLong(state, "sobolstate")
        try requireLong(quasi, "quasi")
        guard n >= 0 else { throw OperatorError("n must be non-negative, but got \(n)") }
        guard quasi.rank == 1, Int64(quasi.shape[0]) == dimension else {
            throw OperatorError("dimension must match the size of quasi, but got dimension \(dimension) and quasi with shape \(quasi.shape)")
        }
        try checkStateShape(state, dimension: dimension)
        let limit: Int64 = 1 << bits - 1
        guard (0...limit).contains(generated), n <= limit - generated else {
            throw OperatorError("SobolEngine can generate at most \(Int64(1) << bits) points")
        }
    }

    /// The zero-based position of the lowest zero bit of `n` (0 for a negative `n`, as libtorch's loop gives).
    static func rightmostZero(_ n: Int64) -> Int {
        var (z, i) = (n, 0)
        while z % 2 == 1 {
            z /= 2
            i += 1
        }
        return i
    }

    /// Takes `steps` Gray-code steps from point number `from`: step i XORs column rightmostZero(from + i) of the state
    /// into the point, then passes (i, the point) to `visit`.
    static func advance(_ point: inout [Int64], steps: Int, state: Tensor, from first: Int64, _ visit: (Int, [Int64]) -> Void) throws {
        guard steps > 0 else { return }
        let columns = state.shape[1]
        let directions = try state.scalars(as: Int64.self)
        for step in 0..<steps {
            let column = rightmostZero(first + Int64(step))
            for j in point.indices { point[j] ^= directions[j * columns + column] }
            visit(step, point)
        }
    }

    /// The initial state of `dimension` dimensions, row-major (dimension, 30).
    static func initialState(dimension: Int) -> [Int64] {
        var state = [Int64](repeating: 1, count: dimension * bits)
        let table = SobolDirectionNumbers.table
        for d in 1..<dimension {
            let (poly, initial) = table[d]
            let m = initial.count
            var v = initial + [Int64](repeating: 0, count: bits - m)
            for j in m..<bits {
                var value = v[j - m]
                for k in 0..<m where (poly >> (m - 1 - k)) & 1 == 1 { value ^= v[j - k - 1] << (k + 1) }
                v[j] = value
            }
            for j in 0..<bits { state[d * bits + j] = v[j] }
        }
        for d in 0..<dimension {
            for j in 0..<bits { state[d * bits + j] <<= bits - 1 - j }
        }
        return state
    }

    /// The scrambled state (row-major, the state's shape): libtorch's `_sobol_engine_scramble_` loop.
    static func scrambled(_ state: Tensor, ltm: Tensor, dimension: Int64) throws -> [Int64] {
        // ltm.diagonal(0, -2, -1), arange and pow in ltm's dtype, and a TensorAccessor<int64_t, 2> of the sums.
        guard ltm.rank >= 2 else {
            let rank = Swift.max(ltm.rank, 1)
            throw OperatorError("Dimension out of range (expected to be in range of [\(-rank), \(rank - 1)], but got -2)")
        }
        let integerBits: Int
        switch ltm.dtype {
        case .int64: integerBits = 64
        case .int32: integerBits = 32
        case .int16: integerBits = 16
        case .int8, .uint8: integerBits = 8
        case .float32, .float64, .float16, .bfloat16:
            guard ltm.rank == 3 else { throw OperatorError("TensorAccessor expected 2 dims but tensor has \(ltm.rank - 1)") }
            throw OperatorError("expected scalar type Long but found \(ltm.dtype.scalarTypeName)")
        default: throw OperatorError("\"arange_cpu\" not implemented for '\(ltm.dtype.scalarTypeName)'")
        }
        guard ltm.rank == 3 else { throw OperatorError("TensorAccessor expected 2 dims but tensor has \(ltm.rank - 1)") }
        var values = try state.scalars(as: Int64.self)
        guard dimension > 0 else { return values }
        let (rows, columns) = (state.shape[0], state.shape[1])
        let (matrices, matrixRows, width) = (ltm.shape[0], ltm.shape[1], ltm.shape[2])
        guard dimension <= Int64(Swift.min(rows, matrices)), columns >= bits, matrixRows >= bits else {
            throw OperatorError(
                "_sobol_engine_scramble_: expected a sobolstate of at least [\(dimension), \(bits)] and an ltm of at least [\(dimension), \(bits), *], got \(state.shape) and \(ltm.shape)")
        }
        let d = Int(dimension)
        // The int64 entries wrapped to ltm's integer type, as its arithmetic wraps.
        let signed = ltm.dtype != .uint8
        func wrapped(_ x: Int64) -> Int64 {
            guard integerBits < 64 else { return x }
            let shift = Int64(64 - integerBits)
            return signed ? (x << shift) >> shift : Int64(bitPattern: UInt64(bitPattern: x) & (1 << UInt64(integerBits) - 1))
        }
        let entries = try ltm.to(.int64).scalars(as: Int64.self)
        // ltmDots[m][p] = Σₖ diag_true[m][p][k] · 2^(width − 1 − k), each product in ltm's type, summed in int64.
        let weights = (0..<width).map { k -> Int64 in
            let exponent = width - 1 - k
            return wrapped(exponent < 64 ? Int64(bitPattern: 1 << UInt64(exponent)) : 0)
        }
        var dots = [Int64](repeating: 0, count: d * bits)
        for m in 0..<d {
            for p in 0..<bits {
                var sum: Int64 = 0
                for k in 0..<width {
                    let entry = p == k ? 1 : entries[(m * matrixRows + p) * width + k]
                    sum &+= wrapped(weights[k] &* entry)
                }
                dots[m * bits + p] = sum
            }
        }
        let mask: Int64 = 1 << bits - 1
        for m in 0..<d {
            for j in 0..<bits {
                let direction = values[m * columns + j] & mask
                var scrambledValue: Int64 = 0
                for p in 0..<bits where (dots[m * bits + p] & direction).nonzeroBitCount & 1 == 1 {
                    scrambledValue |= 1 << (bits - 1 - p)
                }
                values[m * columns + j] = scrambledValue
            }
        }
        return values
    }
}

extension SobolDirectionNumbers {
    /// Each dimension's primitive polynomial and initial direction numbers (dimension 0: 1 and [1]), decoded from
    /// ``packed``.
    static let table: [(poly: Int64, initial: [Int64])] = {
        var digits: [UInt8] = []
        digits.reserveCapacity(SobolDirectionNumbers.packed.utf8.count)
        for byte in SobolDirectionNumbers.packed.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): digits.append(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): digits.append(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits.append(byte - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"): digits.append(62)
            case UInt8(ascii: "/"): digits.append(63)
            default: continue
            }
        }
        var position = 0
        func take(_ count: Int) -> Int64 {
            var value: Int64 = 0
            for i in 0..<count {
                value |= Int64((digits[position / 6] >> (position % 6)) & 1) << i
                position += 1
            }
            return value
        }
        var rows: [(poly: Int64, initial: [Int64])] = [(1, [1])]
        let starts = SobolDirectionNumbers.firstOfDegree
        rows.reserveCapacity(SobolDirectionNumbers.dimensions)
        for degree in 1..<starts.count {
            for _ in starts[degree - 1]..<starts[degree] {
                let poly = Int64(1) << degree | take(degree - 1) << 1 | 1
                rows.append((poly, [1] + (1..<degree).map { 2 * take($0) + 1 }))
            }
        }
        return rows
    }()
}
