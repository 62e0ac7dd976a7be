import FlintValues

extension OperatorDefinitions {
    /// `hash(x)` (`aten::hash.generic`) as libtorch computes it on Linux: an int or bool is itself, a float and a
    /// str libstdc++'s `std::hash` (its 64-bit `_Hash_bytes`, zero for ±0.0), a tuple its elements' hashes folded
    /// with c10's `hash_combine` from zero, None zero. A tensor hashes by identity, as libtorch hashes its address
    /// (so its value is not libtorch's).
    mutating func defineHashOperators() {
        define("aten::hash.generic") { c in .int(Int64(bitPattern: try Self.scriptHash(c[0]))) }
    }

    /// libtorch's hash of a value (see ``defineHashOperators()``); unhashable kinds throw Python's TypeError.
    static func scriptHash(_ value: ScriptValue) throws -> UInt64 {
        switch value {
        case .none: return 0
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return UInt64(bitPattern: i)
        case .double(let d):
            guard d != 0 else { return 0 }
            return withUnsafeBytes(of: d.bitPattern.littleEndian) { LibstdcxxHash.bytes(Array($0)) }
        case .string(let s): return LibstdcxxHash.bytes(Array(s.utf8))
        case .tuple(let items):
            return try items.reduce(UInt64(0)) { seed, item in
                let value = try scriptHash(item)
                return seed ^ (value &+ 0x9e37_79b9 &+ (seed << 6) &+ (seed >> 2))
            }
        case .tensor(let t): return UInt64(UInt(bitPattern: ObjectIdentifier(t.storage).hashValue)) &+ UInt64(t.storageOffset)
        default: throw OperatorError("TypeError: unhashable type: '\(value.kindName)'")
        }
    }
}

/// libstdc++'s `std::_Hash_bytes` for 64-bit size_t (a MurmurHash2 variant) with `std::hash`'s seed.
enum LibstdcxxHash {
    static func bytes(_ data: [UInt8], seed: UInt64 = 0xc70f_6907) -> UInt64 {
        let multiplier: UInt64 = 0xc6a4_a793_5bd1_e995
        func shiftMix(_ v: UInt64) -> UInt64 { v ^ (v >> 47) }
        let aligned = data.count & ~7
        var hash = seed ^ (UInt64(data.count) &* multiplier)
        for start in stride(from: 0, to: aligned, by: 8) {
            var word: UInt64 = 0
            for k in (0..<8).reversed() { word = (word << 8) | UInt64(data[start + k]) }
            hash ^= shiftMix(word &* multiplier) &* multiplier
            hash = hash &* multiplier
        }
        if data.count & 7 != 0 {
            var tail: UInt64 = 0
            for byte in data[aligned...].reversed() { tail = (tail << 8) &+ UInt64(byte) }
            hash ^= tail
            hash = hash &* multiplier
        }
        hash = shiftMix(hash) &* multiplier
        return shiftMix(hash)
    }
}
