#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Prints tensors as Python's `repr(tensor)` does with torch's default print options
/// (`torch/_tensor_str.py`): `tensor([[1.0000, 2.5000], ...])`, one element format chosen from the
/// elements shown (integer mode, fixed with 4 decimals, or scientific), lines wrapped at 80 columns, and
/// tensors with more than `threshold` elements summarised to `edgeItems` items at each end of every
/// dimension with `...` between. A `dtype=` suffix follows when the dtype is not float32, int64 or bool.
///
/// This is what `flint run` prints; ``Tensor/description`` stays libtorch's C++ format.
public struct PythonTensorFormat: Sendable {
    /// Tensors with more elements than this are summarised (`torch.set_printoptions(threshold:)`).
    public var threshold: Int
    /// Items kept at each end of a summarised dimension.
    public var edgeItems: Int
    /// Line width for wrapping.
    public var lineWidth: Int
    /// Digits after the decimal point.
    public var precision: Int

    /// torch's defaults: threshold 1000, edge items 3, line width 80, precision 4.
    public init(threshold: Int = 1000, edgeItems: Int = 3, lineWidth: Int = 80, precision: Int = 4) {
        self.threshold = threshold
        self.edgeItems = edgeItems
        self.lineWidth = lineWidth
        self.precision = precision
    }

    /// Never summarises (`--full`).
    public static let full = PythonTensorFormat(threshold: .max)

    /// `repr(tensor)`.
    public func string(_ tensor: Tensor) -> String {
        let prefix = "tensor("
        let indent = prefix.count
        var suffixes: [String] = []
        let body: String
        if tensor.elementCount == 0 {
            if tensor.rank != 1 { suffixes.append("size=" + Self.pythonTuple(tensor.shape)) }
            if tensor.dtype != .float32 { suffixes.append("dtype=torch." + tensor.dtype.name) }
            body = "[]"
        } else {
            if ![.float32, .int64, .bool, .complex64].contains(tensor.dtype) { suffixes.append("dtype=torch." + tensor.dtype.name) }
            body = contents(tensor, indent: indent)
        }
        return addSuffixes(prefix + body, suffixes, indent: indent)
    }

    // MARK: Contents

    private func contents(_ tensor: Tensor, indent: Int) -> String {
        let summarize = tensor.elementCount > threshold
        let shown = summarize ? ((try? summarized(tensor)) ?? tensor) : tensor
        let cells: [String]
        let width: Int
        if tensor.dtype.isComplex {
            let real = Self.doubles(shown, part: 0)
            let imaginary = Self.doubles(shown, part: 1)
            let realFormat = ElementFormat(floats: real, precision: precision)
            let imaginaryFormat = ElementFormat(floats: imaginary, precision: precision)
            cells = zip(real, imaginary).map { re, im in
                let imaginaryText = String(imaginaryFormat.format(im).drop(while: { $0 == " " })) + "j"
                let realText = realFormat.format(re)
                return imaginaryText.hasPrefix("-") || imaginaryText.hasPrefix("+") ? realText + imaginaryText : realText + "+" + imaginaryText
            }
            width = realFormat.width + imaginaryFormat.width + 1  // element length adds 2 more, as torch's does
        } else if tensor.dtype.isFloatingPoint {
            let values = Self.doubles(shown, part: nil)
            let format = ElementFormat(floats: values, precision: precision)
            cells = values.map(format.format)
            width = format.width
        } else {
            let texts = Self.integerTexts(shown)
            width = texts.reduce(1) { max($0, $1.count) }
            cells = texts.map { String(repeating: " ", count: width - $0.count) + $0 }
        }
        if tensor.rank == 0 { return cells.first ?? "" }
        var layout = Layout(cells: cells, shape: shown.shape, summarized: summarize, edgeItems: edgeItems,
                            elementLength: width + 2, lineWidth: lineWidth, fullShape: tensor.shape)
        return layout.render(dim: 0, offset: 0, indent: indent)
    }

    /// The tensor cut to `edgeItems` at each end of every dimension longer than twice that
    /// (`get_summarized_data`).
    private func summarized(_ tensor: Tensor) throws -> Tensor {
        var result = tensor
        for dim in 0..<tensor.rank where tensor.shape[dim] > 2 * edgeItems {
            let size = tensor.shape[dim]
            result = try Tensor.cat([result.slice(dim: dim, start: 0, end: edgeItems), result.slice(dim: dim, start: size - edgeItems, end: size)], dim: dim)
        }
        return result
    }

    private func addSuffixes(_ text: String, _ suffixes: [String], indent: Int) -> String {
        var out = text
        let lastNewline = text.lastIndex(of: "\n").map { text.distance(from: text.startIndex, to: $0) } ?? -1
        var lastLineLength = text.count - lastNewline + 1
        for suffix in suffixes {
            if lastLineLength + suffix.count + 2 > lineWidth {
                out += ",\n" + String(repeating: " ", count: indent) + suffix
                lastLineLength = indent + suffix.count
            } else {
                out += ", " + suffix
                lastLineLength += suffix.count + 2
            }
        }
        return out + ")"
    }

    static func pythonTuple(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    // MARK: Element values

    /// Elements in row-major order as doubles; for complex tensors `part` 0 is the real and 1 the imaginary part.
    private static func doubles(_ tensor: Tensor, part: Int?) -> [Double] {
        var source = tensor
        if let part, tensor.dtype.isComplex {
            let component: DType = tensor.dtype == .complex128 ? .float64 : .float32
            let view = Tensor(unchecked: tensor.storage, dtype: component, shape: tensor.shape + [2],
                              strides: tensor.strides.map { $0 * 2 } + [1], storageOffset: tensor.storageOffset * 2)
            guard let selected = try? view.select(dim: -1, index: part) else { return [] }
            source = selected
        }
        return (try? source.dtype.dispatch(DoubleElements(tensor: source))) ?? []
    }

    /// Integers and booleans as Python prints them (`5`, `-3`, `True`).
    private static func integerTexts(_ tensor: Tensor) -> [String] {
        (try? tensor.dtype.dispatch(IntegerElementTexts(tensor: tensor))) ?? []
    }
}

/// `_Formatter` for floating-point elements: integer mode when every nonzero finite value is whole,
/// scientific when the magnitudes span more than 1000× or leave [1e-4, 1e8].
private struct ElementFormat {
    enum Mode { case integer, fixed, scientific }
    var mode = Mode.integer
    var width = 1
    let precision: Int

    init(floats values: [Double], precision: Int) {
        self.precision = precision
        let finite = values.filter { $0.isFinite && $0 != 0 }
        guard !finite.isEmpty else { return }
        let magnitudes = finite.map(abs)
        let smallest = magnitudes.min()!
        let largest = magnitudes.max()!
        let whole = finite.allSatisfy { $0 == $0.rounded(.up) }
        let scientific = largest / smallest > 1000 || largest > 1e8 || smallest < 1e-4
        mode = scientific ? .scientific : whole ? .integer : .fixed
        for value in finite {
            let text = Self.printf(value, mode == .integer ? "%.0f" : mode == .fixed ? "%.\(precision)f" : "%.\(precision)e")
            width = max(width, text.count + (mode == .integer ? 1 : 0))
        }
    }

    func format(_ value: Double) -> String {
        var text: String
        if !value.isFinite {
            text = value.isNaN ? "nan" : value < 0 ? "-inf" : "inf"
        } else {
            switch mode {
            case .integer: text = Self.printf(value, "%.0f") + "."
            case .fixed: text = Self.printf(value, "%.\(precision)f")
            case .scientific: text = Self.printf(value, "%.\(precision)e")
            }
        }
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }

    /// C's `printf` of one double: glibc rounds exactly, as Python's `format` does.
    static func printf(_ value: Double, _ format: String) -> String {
        withVaList([value]) { arguments in
            var buffer = [CChar](repeating: 0, count: 512)
            _ = vsnprintf(&buffer, buffer.count, format, arguments)
            return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}

/// Nests formatted cells into brackets as `_tensor_str_with_formatter` does: rows wrapped to the line
/// width, slices of rank d separated by d-1 blank lines, `...` where a dimension was summarised.
private struct Layout {
    let cells: [String]
    let shape: [Int]
    let summarized: Bool
    let edgeItems: Int
    let elementLength: Int
    let lineWidth: Int
    let fullShape: [Int]
    private var strides: [Int] = []

    init(cells: [String], shape: [Int], summarized: Bool, edgeItems: Int, elementLength: Int, lineWidth: Int, fullShape: [Int]) {
        self.cells = cells
        self.shape = shape
        self.summarized = summarized
        self.edgeItems = edgeItems
        self.elementLength = elementLength
        self.lineWidth = lineWidth
        self.fullShape = fullShape
        strides = Tensor.contiguousStrides(for: shape)
    }

    /// Whether dimension `dim` was cut (and shows `...` after its first `edgeItems`).
    private func isCut(_ dim: Int) -> Bool { summarized && fullShape[dim] > 2 * edgeItems }

    mutating func render(dim: Int, offset: Int, indent: Int) -> String {
        let rank = shape.count
        if dim == rank - 1 {
            var items: [String] = []
            for i in 0..<shape[dim] {
                if isCut(dim) && i == edgeItems { items.append(" ...") }
                items.append(cells[offset + i])
            }
            let elementsPerLine = max(1, (lineWidth - indent) / elementLength)
            var lines: [String] = []
            var start = 0
            while start < items.count {
                lines.append(items[start..<min(items.count, start + elementsPerLine)].joined(separator: ", "))
                start += elementsPerLine
            }
            return "[" + lines.joined(separator: ",\n" + String(repeating: " ", count: indent + 1)) + "]"
        }
        var slices: [String] = []
        for i in 0..<shape[dim] {
            if isCut(dim) && i == edgeItems { slices.append("...") }
            slices.append(render(dim: dim + 1, offset: offset + i * strides[dim], indent: indent + 1))
        }
        let separator = "," + String(repeating: "\n", count: rank - dim - 1) + String(repeating: " ", count: indent + 1)
        return "[" + slices.joined(separator: separator) + "]"
    }
}

private struct DoubleElements: DTypeVisitor {
    let tensor: Tensor
    func visit<T: TensorElement>(_ type: T.Type) throws -> [Double] {
        try tensor.scalars(as: T.self).map(\.doubleValue)
    }
}

private struct IntegerElementTexts: DTypeVisitor {
    let tensor: Tensor
    func visit<T: TensorElement>(_ type: T.Type) throws -> [String] {
        let values = try tensor.scalars(as: T.self)
        if let booleans = values as? [Bool] { return booleans.map { $0 ? "True" : "False" } }
        if let unsigned = values as? [UInt64] { return unsigned.map { String($0) } }
        return values.map { String($0.int64Value) }
    }
}
