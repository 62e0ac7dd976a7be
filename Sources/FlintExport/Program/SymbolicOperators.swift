import FlintOperators
import FlintValues

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The Python functions a program applies to symbolic sizes (`_operator.mul(s0, 2)`, `torch.sym_max`,
/// `math.trunc`), with Python's semantics on ints, floats and bools. They compute shapes, never tensors.
enum SymbolicOperators {
    static func body(_ target: String) -> OperatorBody? { table[target] }

    private static let table: [String: OperatorBody] = {
        var table: [String: OperatorBody] = [:]
        func binary(_ name: String, _ ints: @escaping @Sendable (Int64, Int64) throws -> ScriptValue, _ doubles: @escaping @Sendable (Double, Double) -> ScriptValue) {
            table["_operator.\(name)"] = { c in
                let (a, b) = (c[0], c[1])
                if let x = a.exactInt, let y = b.exactInt { return try ints(x, y) }
                guard let x = a.number, let y = b.number else { throw OperatorError("\(name) expects numbers, got \(a.kindName) and \(b.kindName)") }
                return doubles(x, y)
            }
        }
        binary("add", { .int($0 &+ $1) }, { .double($0 + $1) })
        binary("sub", { .int($0 &- $1) }, { .double($0 - $1) })
        binary("mul", { .int($0 &* $1) }, { .double($0 * $1) })
        binary("floordiv", { a, b in
            guard b != 0 else { throw OperatorError("integer division or modulo by zero") }
            let q = a / b
            return .int((a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q)
        }, { .double(($0 / $1).rounded(.down)) })
        binary("mod", { a, b in
            guard b != 0 else { throw OperatorError("integer division or modulo by zero") }
            let r = a % b
            return .int(r != 0 && (r < 0) != (b < 0) ? r + b : r)
        }, { a, b in
            let r = fmod(a, b)
            return .double(r != 0 && (r < 0) != (b < 0) ? r + b : r)
        })
        binary("truediv", { .double(Double($0) / Double($1)) }, { .double($0 / $1) })
        binary("pow", { a, b in
            guard b >= 0 else { return .double(pow(Double(a), Double(b))) }
            var result: Int64 = 1
            for _ in 0..<b { result = result &* a }
            return .int(result)
        }, { .double(pow($0, $1)) })
        binary("eq", { .bool($0 == $1) }, { .bool($0 == $1) })
        binary("ne", { .bool($0 != $1) }, { .bool($0 != $1) })
        binary("lt", { .bool($0 < $1) }, { .bool($0 < $1) })
        binary("le", { .bool($0 <= $1) }, { .bool($0 <= $1) })
        binary("gt", { .bool($0 > $1) }, { .bool($0 > $1) })
        binary("ge", { .bool($0 >= $1) }, { .bool($0 >= $1) })
        let bitwise: [(String, @Sendable (Int64, Int64) -> Int64)] = [("and_", { $0 & $1 }), ("or_", { $0 | $1 }), ("lshift", { $0 << $1 }), ("rshift", { $0 >> $1 })]
        for (name, combine) in bitwise {
            table["_operator.\(name)"] = { c in
                if case .bool(let a) = c[0], case .bool(let b) = c[1] { return .bool(name == "and_" ? a && b : a || b) }
                guard let a = c[0].exactInt, let b = c[1].exactInt else { throw OperatorError("\(name) expects ints or bools") }
                return .int(combine(a, b))
            }
        }
        table["_operator.neg"] = { c in
            if let a = c[0].exactInt { return .int(-a) }
            guard let a = c[0].number else { throw OperatorError("neg expects a number") }
            return .double(-a)
        }
        table["_operator.pos"] = { c in c[0] }
        table["torch.sym_not"] = { c in
            guard case .bool(let a) = c[0] else { throw OperatorError("sym_not expects a bool") }
            return .bool(!a)
        }
        table["math.trunc"] = { c in
            if let a = c[0].exactInt { return .int(a) }
            guard let a = c[0].number else { throw OperatorError("trunc expects a number") }
            return .int(Int64(a.rounded(.towardZero)))
        }
        table["torch.sym_int"] = table["math.trunc"]
        table["torch.sym_float"] = { c in
            guard let a = c[0].number else { throw OperatorError("sym_float expects a number") }
            return .double(a)
        }
        table["torch.sym_sqrt"] = { c in
            guard let a = c[0].number else { throw OperatorError("sym_sqrt expects a number") }
            return .double(a.squareRoot())
        }
        let extremes: [(String, @Sendable (Double, Double) -> Bool)] = [("sym_max", { $0 >= $1 }), ("sym_min", { $0 <= $1 })]
        for (name, pickFirst) in extremes {
            table["torch.\(name)"] = { c in
                if let a = c[0].exactInt, let b = c[1].exactInt { return .int(pickFirst(Double(a), Double(b)) ? a : b) }
                guard let a = c[0].number, let b = c[1].number else { throw OperatorError("\(name) expects numbers") }
                return .double(pickFirst(a, b) ? a : b)
            }
        }
        table["torch.sym_ite"] = { c in
            guard case .bool(let condition) = c[0] else { throw OperatorError("sym_ite expects a bool condition") }
            return condition ? c[1] : c[2]
        }
        return table
    }()
}

extension ScriptValue {
    /// An int (bools count as ints, as in Python).
    fileprivate var exactInt: Int64? {
        switch self {
        case .int(let value): value
        case .bool(let value): value ? 1 : 0
        default: nil
        }
    }

    fileprivate var number: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        case .bool(let value): value ? 1 : 0
        default: nil
        }
    }
}
