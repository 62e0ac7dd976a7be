#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Prints tensors exactly as libtorch's C++ `std::cout << tensor` does (`ATen/core/Formatting.cpp`):
/// values converted to double, one format chosen for the whole tensor (integer, fixed with a common
/// `scale *` line, or scientific), columns split at 80 characters, `(i,j,.,.) = ` blocks for higher ranks,
/// and a `[ CPUFloatType{2,3} ]` footer. Users porting C++ examples get identical output.
extension Tensor: CustomStringConvertible {
    /// The tensor as libtorch's `std::cout << tensor` prints it, `[ CPUFloatType{2,3} ]` footer included.
    public var description: String {
        var printer = LibtorchPrinter()
        printer.print(self)
        return printer.output
    }
}

/// `value` as a C++ `ostream` prints a double with its default settings (`%g`: six significant digits,
/// `0`, `0.3`, `1.23457e+08`, `inf`), which is how ATen's messages show doubles.
func cppStreamText(_ value: Double) -> String {
    LibtorchPrinter.format(value, .defaultFloat)
}

extension DType {
    /// libtorch's `DeprecatedTypeProperties::toString()` for a CPU tensor, e.g. `CPUFloatType`.
    public var libtorchTypeName: String { "CPU\(scalarTypeName)Type" }
}

/// The stream state of a C++ `ostream` that the printer needs: the float field and the precision.
private enum FloatField {
    case defaultFloat
    case fixed
    case scientific

    /// The `printf` format the C++ stream uses for this state (precision 6 by default, 4 when set).
    var format: String {
        switch self {
        case .defaultFloat: "%g"
        case .fixed: "%.4f"
        case .scientific: "%.4e"
        }
    }
}

private struct LibtorchPrinter {
    var output = ""
    private var field = FloatField.defaultFloat
    private let lineSize = 80

    mutating func print(_ tensor: Tensor) {
        let values = Self.doubles(tensor)
        let footerType = tensor.dtype.libtorchTypeName
        switch tensor.rank {
        case 0:
            output += ShortestFloat.format(values.first ?? 0) + "\n"
            output += "[ \(footerType){}"
        case 1:
            if !values.isEmpty {
                let (scale, width) = chooseFormat(values)
                if scale != 1 { printScale(scale) }
                for value in values { output += Self.pad(Self.format(value / scale, field), width) + "\n" }
            }
            output += "[ \(footerType){\(tensor.shape[0])}"
        case 2:
            if !values.isEmpty { printMatrix(values, rows: tensor.shape[0], columns: tensor.shape[1], indent: 0) }
            output += "[ \(footerType){\(tensor.shape[0]),\(tensor.shape[1])}"
        default:
            if !values.isEmpty { printBlocks(values, shape: tensor.shape) }
            output += "[ \(footerType){" + tensor.shape.map(String.init).joined(separator: ",") + "}"
        }
        output += " ]"
    }

    /// `__printFormat`: picks the float field for all values and returns (scale, column width).
    private mutating func chooseFormat(_ values: [Double]) -> (Double, Int) {
        if values.isEmpty { return (1, 0) }
        var intMode = true
        for z in values where z.isFinite && z != z.rounded(.up) {
            intMode = false
            break
        }
        var offset = 0
        while offset < values.count, !values[offset].isFinite { offset += 1 }
        var expMin: Double
        var expMax: Double
        if offset == values.count {
            expMin = 1
            expMax = 1
        } else {
            expMin = abs(values[offset])
            expMax = abs(values[offset])
            for i in offset..<values.count {
                let z = abs(values[i])
                if z.isFinite {
                    if z < expMin { expMin = z }
                    if z > expMax { expMax = z }
                }
            }
            expMin = expMin != 0 ? (log10(expMin)).rounded(.down) + 1 : 1
            expMax = expMax != 0 ? (log10(expMax)).rounded(.down) + 1 : 1
        }
        var scale = 1.0
        let width: Int
        if intMode {
            if expMax > 9 {
                width = 11
                field = .scientific
            } else {
                width = Int(expMax) + 1
                field = .defaultFloat
            }
        } else if expMax - expMin > 4 {
            width = abs(expMax) > 99 || abs(expMin) > 99 ? 12 : 11
            field = .scientific
        } else if expMax > 5 || expMax < 0 {
            width = 7
            scale = pow(10, expMax - 1)
            field = .fixed
        } else {
            width = expMax == 0 ? 7 : Int(expMax) + 6
            field = .fixed
        }
        return (scale, width)
    }

    private mutating func printScale(_ scale: Double) {
        output += ShortestFloat.format(scale) + " *\n"
    }

    private func indent(_ count: Int) -> String { String(repeating: " ", count: count) }

    /// `__printMatrix`: rows of a 2-D slice, split into column groups that fit the line size.
    private mutating func printMatrix(_ values: [Double], rows: Int, columns: Int, indent: Int) {
        let (scale, width) = chooseFormat(values)
        let columnsPerLine = (lineSize - indent) / (width + 1)
        var firstColumn = 0
        while firstColumn < columns {
            let lastColumn = firstColumn + columnsPerLine <= columns ? firstColumn + columnsPerLine - 1 : columns - 1
            if columnsPerLine < columns {
                if firstColumn != 0 { output += "\n" }
                output += "Columns \(firstColumn + 1) to \(lastColumn + 1)" + self.indent(indent)
            }
            if scale != 1 {
                printScale(scale)
                output += self.indent(indent)
            }
            for row in 0..<rows {
                for column in firstColumn...lastColumn {
                    output += Self.pad(Self.format(values[row * columns + column] / scale, field), width)
                    if column == lastColumn {
                        output += "\n"
                        if row != rows - 1 {
                            output += self.indent(indent) + (scale != 1 ? " " : "")
                        }
                    } else {
                        output += " "
                    }
                }
            }
            firstColumn = lastColumn + 1
        }
    }

    /// `__printTensor`: one `(i,j,.,.) = ` block per 2-D slice of a tensor of rank 3 or more, the first
    /// leading index varying fastest, as libtorch walks them.
    private mutating func printBlocks(_ values: [Double], shape: [Int]) {
        let leading = Array(shape.dropLast(2))
        let rows = shape[shape.count - 2]
        let columns = shape[shape.count - 1]
        let blockSize = rows * columns
        let blockStrides = Tensor.contiguousStrides(for: leading)
        var counter = [Int](repeating: 0, count: leading.count)
        var first = true
        while true {
            if !first { output += "\n" }
            first = false
            output += "(" + counter.map { "\($0 + 1)," }.joined() + ".,.) = \n"
            let block = zip(counter, blockStrides).reduce(0) { $0 + $1.0 * $1.1 }
            printMatrix(Array(values[(block * blockSize)..<((block + 1) * blockSize)]), rows: rows, columns: columns, indent: 1)
            var dim = 0
            while dim < leading.count {
                counter[dim] += 1
                if counter[dim] < leading[dim] { break }
                counter[dim] = 0
                dim += 1
            }
            if dim == leading.count { return }
        }
    }

    /// The elements as doubles; complex tensors give their real parts, as libtorch's conversion does.
    static func doubles(_ tensor: Tensor) -> [Double] {
        switch tensor.dtype {
        case .complex64:
            let parts = (try? Tensor(unchecked: tensor.storage, dtype: .float32, shape: tensor.shape + [2], strides: tensor.strides.map { $0 * 2 } + [1], storageOffset: tensor.storageOffset * 2).select(dim: -1, index: 0)).map(doubles)
            return parts ?? []
        case .complex128:
            let parts = (try? Tensor(unchecked: tensor.storage, dtype: .float64, shape: tensor.shape + [2], strides: tensor.strides.map { $0 * 2 } + [1], storageOffset: tensor.storageOffset * 2).select(dim: -1, index: 0)).map(doubles)
            return parts ?? []
        default:
            return (try? tensor.dtype.dispatch(ToDoubles(tensor: tensor))) ?? []
        }
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    /// `printf(format, value)`, which is what a C++ stream produces for these float fields.
    static func format(_ value: Double, _ field: FloatField) -> String {
        withVaList([value]) { arguments in
            var buffer = [CChar](repeating: 0, count: 512)
            _ = vsnprintf(&buffer, buffer.count, field.format, arguments)
            return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}

private struct ToDoubles: DTypeVisitor {
    let tensor: Tensor
    func visit<T: TensorElement>(_ type: T.Type) throws -> [Double] {
        try tensor.scalars(as: T.self).map(\.doubleValue)
    }
}
