import FlintScript
import FlintTensor
import FlintValues
import RealModule

extension OperatorDefinitions {
    /// The scalar builtins of `register_prim_ops.cpp`: arithmetic on `int`/`float`/`Scalar` with Python's
    /// semantics (64-bit wrapping ints, `//` and `%` flooring, `int ** int` giving float), comparisons,
    /// conversions and `math.*`.
    mutating func defineScalarOperators() {
        // Each non-tensor overload's declared result decides the arithmetic: `int` results use the integer
        // rule, `float` the float rule, `Scalar` whichever the operands' kinds give.
        arithmetic("add", int: { $0 &+ $1 }, float: { $0 + $1 })
        arithmetic("sub", int: { $0 &- $1 }, float: { $0 - $1 })
        arithmetic("mul", int: { $0 &* $1 }, float: { $0 * $1 })
        arithmetic("div", int: nil, float: { $0 / $1 })
        // libtorch's float `//` is `floor(a / b)` and `%` is `fmod(b + fmod(a, b), b)` (so `1.0 // 0.1` is 10.0, unlike Python).
        arithmetic("floordiv", int: PythonArithmetic.floorDivide, float: { a, b in
            guard b != 0 else { throw OperatorError("ZeroDivisionError: float divmod()") }
            return (a / b).rounded(.down)
        })
        arithmetic("remainder", int: PythonArithmetic.modulo, float: { a, b in
            guard b != 0 else { throw OperatorError("ZeroDivisionError: float modulo") }
            return fmod(b + fmod(a, b), b)
        })
        arithmetic("fmod", int: nil, float: { fmod($0, $1) })
        arithmetic("mathremainder", int: nil, float: { $0.remainder(dividingBy: $1) })
        arithmetic("__round_to_zero_floordiv", int: { guard $1 != 0 else { throw OperatorError("ZeroDivisionError: integer division or modulo by zero") }; return $0 == .min && $1 == -1 ? .min : $0 / $1 }, float: { ($0 / $1).rounded(.towardZero) })
        // int ** int is a float (pow.int); 0 to a negative power raises, as libtorch's builtin does.
        arithmetic("pow", int: { b, e in
            guard e >= 0 else { throw OperatorError("Integers to negative integer powers are not allowed.") }
            return Power().integer(b, e)
        }, float: { base, exponent in
            guard base != 0 || !(exponent < 0) else { throw OperatorError("0.0 cannot be raised to a negative power") }
            return Double.pow(base, exponent)
        })
        arithmetic("atan2", int: nil, float: { Double.atan2(y: $0, x: $1) })
        arithmetic("copysign", int: nil, float: { copysign($0, $1) })
        arithmetic("__and__", int: { $0 & $1 }, float: nil)
        arithmetic("__or__", int: { $0 | $1 }, float: nil)
        arithmetic("__xor__", int: { $0 ^ $1 }, float: nil)
        arithmetic("__lshift__", int: { a, b in
            guard b >= 0 else { throw OperatorError("negative shift count") }
            return b > 63 ? 0 : a << b
        }, float: nil)
        arithmetic("__rshift__", int: { a, b in
            guard b >= 0 else { throw OperatorError("negative shift count") }
            return b > 63 ? (a < 0 ? -1 : 0) : a >> b
        }, float: nil)
        arithmetic("gcd", int: { a, b in
            var (x, y) = (a.magnitude, b.magnitude)
            while y != 0 { (x, y) = (y, x % y) }
            return Int64(truncatingIfNeeded: x)
        }, float: nil)
        // Of two numbers; the list overloads (`int_list`, ...) are the containers'.
        for name in ["prim::max", "prim::min"] {
            let isMax = name == "prim::max"
            for schema in TorchSchemaTable.nonTensorOverloads(of: name) where schema.arguments.count == 2 && !schema.arguments[0].type.isList {
                let result = schema.returns.first?.type
                define(schema.qualifiedName) { c in
                    let (a, b) = (try Number(c[0], name), try Number(c[1], name))
                    if case .int(let x) = a, case .int(let y) = b, result != .named("float") { return .int(isMax ? max(x, y) : min(x, y)) }
                    let (x, y) = (a.double, b.double)
                    if x.isNaN || y.isNaN { return .double(.nan) }
                    return .double(isMax ? max(x, y) : min(x, y))
                }
            }
        }
        defineBoolOperators()
        defineComparisons()
        defineConversions()
        defineMath()
    }

    private mutating func arithmetic(
        _ name: String, int integer: (@Sendable (Int64, Int64) throws -> Int64)?, float: (@Sendable (Double, Double) throws -> Double)?
    ) {
        for schema in TorchSchemaTable.nonTensorOverloads(of: "aten::" + name) where schema.arguments.count == 2 {
            guard case .named(let result)? = schema.returns.first?.type, ["int", "float", "Scalar", "bool"].contains(result) else { continue }
            let qualified = schema.qualifiedName
            define(qualified) { c in
                if case .bool(let a) = c[0], case .bool(let b) = c[1], result == "bool", let integer {
                    return .bool(try integer(a ? 1 : 0, b ? 1 : 0) != 0)
                }
                let (a, b) = (try Number(c[0], qualified), try Number(c[1], qualified))
                if case .int(let x) = a, case .int(let y) = b, result != "float", let integer {
                    return .int(try integer(x, y))
                }
                guard let float else { throw OperatorError("\(qualified) expects ints") }
                let value = try float(a.double, b.double)
                return result == "int" ? .int(try PythonArithmetic.truncate(value)) : .double(value)
            }
        }
    }

    private mutating func defineBoolOperators() {
        define("aten::__not__") { c in .bool(!(try c.bool(0, "self"))) }
        define("aten::__is__") { c in .bool(c[0].isIdentical(to: c[1])) }
        define("aten::__isnot__") { c in .bool(!c[0].isIdentical(to: c[1])) }
    }

    private mutating func defineComparisons() {
        let tests: [(String, @Sendable (ScriptValue.Order) -> Bool)] = [
            ("eq", { $0 == .equal }), ("ne", { $0 != .equal }), ("lt", { $0 == .less }),
            ("le", { $0 == .less || $0 == .equal }), ("gt", { $0 == .greater }), ("ge", { $0 == .greater || $0 == .equal }),
        ]
        for (name, test) in tests {
            for schema in TorchSchemaTable.nonTensorOverloads(of: "aten::" + name) where schema.returns.first?.type == .named("bool") {
                let equality = name == "eq" || name == "ne"
                let qualified = schema.qualifiedName
                define(qualified) { c in
                    let order = try ScriptValue.compare(c[0], c[1], equalityOnly: equality, operation: qualified)
                    return .bool(test(order))
                }
            }
        }
    }

    private mutating func defineConversions() {
        define(["aten::Int.Tensor", "aten::IntImplicit", "aten::Int.bool", "aten::Int.float", "aten::Int.Scalar"]) { c in
            switch try Number(c[0], "int()") {
            case .int(let i): return .int(i)
            case .double(let d): return .int(try PythonArithmetic.truncate(d))
            }
        }
        define("aten::Int.str") { c in
            let text = try c.string(0, "a").trimmingCharacters(in: " ")
            guard let value = Int64(text) else { throw OperatorError("invalid literal for int() with base 10: '\(text)'") }
            return .int(value)
        }
        define(["aten::Float.Tensor", "aten::FloatImplicit", "aten::Float.Scalar", "aten::Float.int", "aten::Float.bool"]) { c in
            .double(try Number(c[0], "float()").double)
        }
        define("aten::Float.str") { c in
            let text = try c.string(0, "a").trimmingCharacters(in: " ")
            let lowered = text.lowercased()
            if let special = ["inf": Double.infinity, "+inf": .infinity, "-inf": -.infinity, "nan": .nan, "infinity": .infinity, "-infinity": -.infinity][lowered] {
                return .double(special)
            }
            guard let value = Double(text) else { throw OperatorError("could not convert string to float: '\(text)'") }
            return .double(value)
        }
        define(["aten::Bool.Tensor", "aten::Bool.int", "aten::Bool.float"]) { c in
            .bool(try Number(c[0], "bool()").double != 0)
        }
        define("aten::ScalarImplicit") { c in try Number(c[0], "ScalarImplicit").value }
    }

    private mutating func defineMath() {
        let floatFunctions: [(String, @Sendable (Double) -> Double)] = [
            ("exp", { Double.exp($0) }), ("log", { Double.log($0) }), ("log10", { Double.log10($0) }),
            ("log1p", { Double.log(onePlus: $0) }), ("expm1", { Double.expMinusOne($0) }), ("sin", { Double.sin($0) }),
            ("cos", { Double.cos($0) }), ("tan", { Double.tan($0) }), ("asin", { Double.asin($0) }), ("acos", { Double.acos($0) }),
            ("atan", { Double.atan($0) }), ("sinh", { Double.sinh($0) }), ("cosh", { Double.cosh($0) }), ("tanh", { Double.tanh($0) }),
            ("asinh", { Double.asinh($0) }), ("acosh", { Double.acosh($0) }), ("atanh", { Double.atanh($0) }), ("erf", { Double.erf($0) }),
            ("erfc", { Double.erfc($0) }), ("lgamma", { Double.logGamma($0) }), ("gamma", { Double.gamma($0) }), ("fabs", { Swift.abs($0) }),
            ("degrees", { $0 * 180 / .pi }), ("radians", { $0 * .pi / 180 }),
        ]
        for (name, function) in floatFunctions {
            for schema in TorchSchemaTable.nonTensorOverloads(of: "aten::" + name) where schema.arguments.count == 1 {
                let qualified = schema.qualifiedName
                guard !qualified.hasSuffix(".complex") else { continue }
                define(qualified) { c in .double(function(try Number(c[0], qualified).double)) }
            }
        }
        // sqrt: domain errors raise as Python's math module does.
        define(["aten::sqrt.int", "aten::sqrt.float", "aten::sqrt.Scalar"]) { c in
            let x = try Number(c[0], "math.sqrt").double
            guard x >= 0 || x.isNaN else { throw OperatorError("ValueError: math domain error") }
            return .double(x.squareRoot())
        }
        for (name, rounding) in [("floor", FloatingPointRoundingRule.down), ("ceil", .up)] {
            for schema in TorchSchemaTable.nonTensorOverloads(of: "aten::" + name) {
                define(schema.qualifiedName) { c in
                    switch try Number(c[0], name) {
                    case .int(let i): return .int(i)
                    case .double(let d): return .int(try PythonArithmetic.truncate(d.rounded(rounding)))
                    }
                }
            }
        }
        for schema in TorchSchemaTable.nonTensorOverloads(of: "aten::round") {
            define(schema.qualifiedName) { c in
                switch try Number(c[0], "round") {
                case .int(let i): return schema.returns.first?.type == .named("float") ? .double(Double(i)) : .int(i)
                case .double(let d): return .double(d.rounded(.toNearestOrEven))
                }
            }
        }
        for schema in TorchSchemaTable.nonTensorOverloads(of: "aten::trunc") + TorchSchemaTable.nonTensorOverloads(of: "aten::neg")
            + TorchSchemaTable.nonTensorOverloads(of: "prim::abs") + TorchSchemaTable.nonTensorOverloads(of: "aten::abs")
        {
            let op = schema.name
            define(schema.qualifiedName) { c in
                switch (try Number(c[0], op), op) {
                case (.int(let i), "aten::neg"): return .int(0 &- i)
                case (.double(let d), "aten::neg"): return .double(-d)
                case (.int(let i), "aten::trunc"): return .int(i)
                case (.double(let d), "aten::trunc"): return .int(try PythonArithmetic.truncate(d))
                case (.int(let i), _): return .int(i < 0 ? 0 &- i : i)
                case (.double(let d), _): return .double(Swift.abs(d))
                }
            }
        }
        define("aten::isnan.float") { c in .bool(try c.double(0, "a").isNaN) }
        // math.modf: (fractional part, integral part), both with x's sign (C's modf: ±0 and ±inf for infinities).
        define("aten::modf") { c in
            let x = try c.double(0, "a")
            if x.isInfinite { return .tuple([.double(x < 0 ? -0.0 : 0.0), .double(x)]) }
            let whole = x.rounded(.towardZero)
            return .tuple([.double(x.isNaN ? x : x - whole), .double(whole)])
        }
        // math.frexp: (m, e) with x = m·2^e and 0.5 ≤ |m| < 1; zeros, infinities and NaN give (x, 0) (C's frexp).
        define("aten::frexp") { c in
            let x = try c.double(0, "a")
            guard x.isFinite && x != 0 else { return .tuple([.double(x), .int(0)]) }
            return .tuple([.double(x.significand / 2 * (x < 0 ? -1 : 1)), .int(Int64(x.exponent) + 1)])
        }
        define("aten::isfinite.float") { c in .bool(try c.double(0, "a").isFinite) }
        define(["aten::log.int_int", "aten::log.float_float", "aten::log.int_float", "aten::log.float_int", "aten::log.Scalar_Scalar"]) { c in
            .double(Double.log(try Number(c[0], "math.log").double) / Double.log(try Number(c[1], "math.log").double))
        }
        define("aten::isinf.float") { c in .bool(try c.double(0, "a").isInfinite) }
        define("aten::factorial.int") { c in
            let n = try c.int64(0, "a")
            guard n >= 0 else { throw OperatorError("ValueError: factorial() not defined for negative values") }
            var result: Int64 = 1
            if n > 1 { for k in 2...n { result = result &* k } }
            return .int(result)
        }
        define(["aten::divmod.int", "aten::divmod.float", "aten::divmod.int_float", "aten::divmod.float_int"]) { c in
            let (a, b) = (try Number(c[0], "divmod"), try Number(c[1], "divmod"))
            if case .int(let x) = a, case .int(let y) = b {
                return .tuple([.int(try PythonArithmetic.floorDivide(x, y)), .int(try PythonArithmetic.modulo(x, y))])
            }
            let (q, r) = try PythonArithmetic.divmod(a.double, b.double)
            return .tuple([.double(q), .double(r)])
        }
    }
}

extension String {
    func trimmingCharacters(in character: Character) -> String {
        String(drop(while: { $0 == character }).reversed().drop(while: { $0 == character }).reversed())
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
