import FlintTensor
import FlintValues
import RealModule

/// A TorchScript `complex` number (c10::complex<double>), with the arithmetic and elementary functions
/// TorchScript's builtins apply to it.
struct ComplexNumber: Sendable {
    var real: Double
    var imaginary: Double

    init(_ real: Double, _ imaginary: Double = 0) {
        self.real = real
        self.imaginary = imaginary
    }

    /// A builtin's argument as a complex number: a bool, int, float, complex, or one-element tensor.
    init(_ value: ScriptValue, _ operation: String) throws {
        switch value {
        case .bool(let b): self.init(b ? 1 : 0)
        case .int(let i): self.init(Double(i))
        case .double(let d): self.init(d)
        case .complex(let re, let im): self.init(re, im)
        case .tensor(let t):
            guard t.elementCount == 1 else { throw OperatorError("\(operation): a Tensor with \(t.elementCount) elements cannot be converted to Scalar") }
            self.init(try t.item())
        default: throw OperatorError("\(operation): expected a number, got \(value.kindName)")
        }
    }

    var value: ScriptValue { .complex(real: real, imaginary: imaginary) }
    var magnitude: Double { Double.hypot(real, imaginary) }
    var argument: Double { Double.atan2(y: imaginary, x: real) }

    static func + (a: Self, b: Self) -> Self { Self(a.real + b.real, a.imaginary + b.imaginary) }
    static func - (a: Self, b: Self) -> Self { Self(a.real - b.real, a.imaginary - b.imaginary) }
    static func * (a: Self, b: Self) -> Self {
        Self(a.real * b.real - a.imaginary * b.imaginary, a.real * b.imaginary + a.imaginary * b.real)
    }
    /// c10::complex's division: scaled by the larger part of the divisor (Smith's method); 0 / 0 gives NaN or ∞.
    static func / (a: Self, b: Self) -> Self {
        let (c, d) = (b.real, b.imaginary)
        if Swift.abs(c) >= Swift.abs(d) {
            if c == 0 && d == 0 { return Self(a.real / Swift.abs(c), a.imaginary / Swift.abs(d)) }
            let ratio = d / c, scale = 1 / (c + d * ratio)
            return Self((a.real + a.imaginary * ratio) * scale, (a.imaginary - a.real * ratio) * scale)
        }
        let ratio = c / d, scale = 1 / (d + c * ratio)
        return Self((a.real * ratio + a.imaginary) * scale, (a.imaginary * ratio - a.real) * scale)
    }

    static let i = Self(0, 1)

    var exp: Self {
        let scale = Double.exp(real)
        return Self(scale * Double.cos(imaginary), scale * Double.sin(imaginary))
    }
    var log: Self { Self(Double.log(magnitude), argument) }
    /// The principal square root, computed without cancellation.
    var squareRoot: Self {
        if real == 0 && imaginary == 0 { return Self(0, imaginary) }
        let t = ((Swift.abs(real) + magnitude) / 2).squareRoot()
        if real >= 0 { return Self(t, imaginary / (2 * t)) }
        return Self(Swift.abs(imaginary) / (2 * t), imaginary < 0 || (imaginary == 0 && imaginary.sign == .minus) ? -t : t)
    }
    var sin: Self { Self(Double.sin(real) * Double.cosh(imaginary), Double.cos(real) * Double.sinh(imaginary)) }
    var cos: Self { Self(Double.cos(real) * Double.cosh(imaginary), -Double.sin(real) * Double.sinh(imaginary)) }
    var tan: Self {
        let denominator = Double.cos(2 * real) + Double.cosh(2 * imaginary)
        return Self(Double.sin(2 * real) / denominator, Double.sinh(2 * imaginary) / denominator)
    }
    var sinh: Self { Self(Double.sinh(real) * Double.cos(imaginary), Double.cosh(real) * Double.sin(imaginary)) }
    var cosh: Self { Self(Double.cosh(real) * Double.cos(imaginary), Double.sinh(real) * Double.sin(imaginary)) }
    var tanh: Self {
        let denominator = Double.cosh(2 * real) + Double.cos(2 * imaginary)
        return Self(Double.sinh(2 * real) / denominator, Double.sin(2 * imaginary) / denominator)
    }
    /// asin z = −i·log(iz + √(1 − z²)).
    var asin: Self { Self(0, -1) * (Self.i * self + (Self(1) - self * self).squareRoot).log }
    /// acos z = π/2 − asin z.
    var acos: Self { Self(Double.pi / 2) - asin }
    /// atan z = (i/2)·(log(1 − iz) − log(1 + iz)).
    var atan: Self { Self(0, 0.5) * ((Self(1) - Self.i * self).log - (Self(1) + Self.i * self).log) }
    /// asinh z = log(z + √(z² + 1)).
    var asinh: Self { (self + (self * self + Self(1)).squareRoot).log }
    /// acosh z = log(z + √(z + 1)·√(z − 1)).
    var acosh: Self { (self + (self + Self(1)).squareRoot * (self - Self(1)).squareRoot).log }
    /// atanh z = ½·(log(1 + z) − log(1 − z)).
    var atanh: Self { Self(0.5) * ((Self(1) + self).log - (Self(1) - self).log) }
    /// base^exponent = exp(exponent · log base); 0 to any power is 0.
    func power(_ exponent: Self) -> Self {
        if real == 0 && imaginary == 0 { return Self(0) }
        return (exponent * log).exp
    }
}

extension OperatorDefinitions {
    /// TorchScript's builtins on `complex` numbers: `complex(x, y)` (`aten::Complex.*`), arithmetic with ints and
    /// floats, the elementary functions (`cmath`), `cmath.polar`'s inverse (`aten::polar.*`), and `angle`, `isnan`,
    /// `isinf`, `isfinite`.
    mutating func defineComplexScalarOperators() {
        // complex(x, y) from any two of bool, int, float and one-element tensor; complex(x) from one.
        for schema in TorchSchemaTable.overloads(of: "aten::Complex") where self[schema.qualifiedName] == nil {
            define(schema.qualifiedName) { c in
                let real = try ComplexNumber(c[0], "complex")
                guard schema.arguments.count == 2 else { return real.value }
                let imaginary = try ComplexNumber(c[1], "complex")
                return (real + ComplexNumber.i * imaginary).value
            }
        }
        define("aten::ComplexImplicit") { c in try ComplexNumber(c[0], "ComplexImplicit").value }

        let arithmetic: [(String, @Sendable (ComplexNumber, ComplexNumber) -> ComplexNumber)] = [
            ("add", { $0 + $1 }), ("sub", { $0 - $1 }), ("mul", { $0 * $1 }), ("div", { $0 / $1 }),
            ("pow", { $0.power($1) }), ("log", { $0.log / $1.log }),
        ]
        for (name, operation) in arithmetic {
            for schema in TorchSchemaTable.nonTensorOverloads(of: "aten::" + name)
            where schema.arguments.count == 2 && schema.overload.contains("complex") && self[schema.qualifiedName] == nil {
                define(schema.qualifiedName) { c in operation(try ComplexNumber(c[0], name), try ComplexNumber(c[1], name)).value }
            }
        }
        let functions: [(String, @Sendable (ComplexNumber) -> ComplexNumber)] = [
            ("exp", \.exp), ("log", \.log), ("log10", { $0.log / ComplexNumber(Double.log(10)) }), ("sqrt", \.squareRoot),
            ("sin", \.sin), ("cos", \.cos), ("tan", \.tan), ("asin", \.asin), ("acos", \.acos), ("atan", \.atan),
            ("sinh", \.sinh), ("cosh", \.cosh), ("tanh", \.tanh), ("asinh", \.asinh), ("acosh", \.acosh), ("atanh", \.atanh),
        ]
        for (name, function) in functions where self["aten::\(name).complex"] == nil {
            define("aten::\(name).complex") { c in function(try ComplexNumber(c[0], name)).value }
        }
        let tests: [(String, @Sendable (ComplexNumber) -> Bool)] = [
            ("isnan", { $0.real.isNaN || $0.imaginary.isNaN }), ("isinf", { $0.real.isInfinite || $0.imaginary.isInfinite }),
            ("isfinite", { $0.real.isFinite && $0.imaginary.isFinite }),
        ]
        for (name, test) in tests where self["aten::\(name).complex"] == nil {
            define("aten::\(name).complex") { c in .bool(test(try ComplexNumber(c[0], name))) }
        }
        define("aten::angle.complex") { c in .double(try ComplexNumber(c[0], "angle").argument) }
        // The angle of a real number: π for a negative one, NaN for NaN, else 0 (an int's π is float32's, as ATen's).
        define("aten::angle.float") { c in
            guard case .double(let x) = c[0] else { throw OperatorError("angle: expected a float, got \(c[0].kindName)") }
            return .double(x.isNaN ? x : (x < 0 ? Double.pi : 0))
        }
        for name in ["aten::angle.int", "aten::angle.Scalar"] {
            define(name) { c in
                switch c[0] {
                case .int(let x): return .double(x < 0 ? Double(name.hasSuffix("Scalar") ? Double(Float.pi) : Double.pi) : 0)
                case .double(let x): return .double(x.isNaN ? x : (x < 0 ? Double.pi : 0))
                case .complex: return .double(try ComplexNumber(c[0], "angle").argument)
                default: throw OperatorError("angle: expected a number, got \(c[0].kindName)")
                }
            }
        }
        // polar(r, θ) = r·(cos θ + i sin θ).
        for schema in TorchSchemaTable.nonTensorOverloads(of: "aten::polar") where self[schema.qualifiedName] == nil {
            define(schema.qualifiedName) { c in
                let (r, theta) = (try ComplexNumber(c[0], "polar").real, try ComplexNumber(c[1], "polar").real)
                return ComplexNumber(r * Double.cos(theta), r * Double.sin(theta)).value
            }
        }
    }
}
