extension ScriptValue {
    /// The outcome of comparing two values.
    package enum Order: Sendable {
        case less, equal, greater
        /// Different kinds, or NaN: only `!=` holds.
        case unordered
    }

    /// Compares two values as TorchScript's `==`, `<`... builtins do: numbers by value across int, float and
    /// bool; strings by bytes; lists and tuples element by element; None, devices and enum members by
    /// identity of value. With `equalityOnly`, values of different kinds are simply unequal; otherwise
    /// ordering them throws.
    package static func compare(_ a: ScriptValue, _ b: ScriptValue, equalityOnly: Bool, operation: String) throws -> Order {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? .less : x == y ? .equal : .greater
        case (.bool(let x), .bool(let y)): return x == y ? .equal : (!x ? .less : .greater)
        case (.int, .double), (.double, .int), (.double, .double), (.bool, .int), (.int, .bool), (.bool, .double), (.double, .bool):
            let (x, y) = (a.numericValue!, b.numericValue!)
            if case .int(let i) = a, case .double(let d) = b, d.isFinite, Swift.abs(d) < 9e18 {
                // Exact int/float comparison (Python compares mathematically).
                let truncated = d.rounded(.towardZero)
                if Double(Int64(truncated)) == truncated && Int64(truncated) != i { return i < Int64(truncated) ? .less : .greater }
            }
            if x.isNaN || y.isNaN { return .unordered }
            return x < y ? .less : x == y ? .equal : .greater
        case (.string(let x), .string(let y)):
            let (u, v) = (Array(x.utf8), Array(y.utf8))
            return u == v ? .equal : (u.lexicographicallyPrecedes(v) ? .less : .greater)
        case (.none, .none): return .equal
        case (.device(let x), .device(let y)) where equalityOnly: return x == y ? .equal : .unordered
        case (.enumValue(let x), .enumValue(let y)) where equalityOnly:
            return x.type.qualifiedName == y.type.qualifiedName && x.name == y.name ? .equal : .unordered
        case (.list, .list), (.tuple, .tuple), (.list, .tuple), (.tuple, .list):
            let (xs, ys) = (a.sequence!, b.sequence!)
            for (x, y) in zip(xs, ys) {
                let order = try compare(x, y, equalityOnly: equalityOnly, operation: operation)
                if order != .equal { return order }
            }
            return xs.count == ys.count ? .equal : (xs.count < ys.count ? .less : .greater)
        case (.tensor(let x), .tensor(let y)) where equalityOnly:
            return x.isSameView(as: y) ? .equal : .unordered
        default:
            if equalityOnly { return .unordered }
            throw ValueError("\(operation): cannot compare \(a.kindName) with \(b.kindName)")
        }
    }

    /// Whether two compile-time constants are the same value (same kind and bits; NaN equals NaN).
    package static func sameConstant(_ a: ScriptValue, _ b: ScriptValue) -> Bool {
        switch (a, b) {
        case (.none, .none): true
        case (.bool(let x), .bool(let y)): x == y
        case (.int(let x), .int(let y)): x == y
        case (.double(let x), .double(let y)): x.bitPattern == y.bitPattern
        case (.string(let x), .string(let y)): x == y
        default: false
        }
    }

    /// The value of an int, float or bool as a double.
    package var numericValue: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        case .bool(let b): b ? 1 : 0
        default: nil
        }
    }
}

/// A builtin received a value it cannot work on.
package struct ValueError: Error, CustomStringConvertible, Sendable {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
