import Flint

/// `flint run --topk K`: the K most probable classes of a classifier's output, by softmax over its last
/// dimension, one block per row of a `[N, classes]` output.
struct TopClasses {
    let k: Int
    let labels: [String]?

    func text(_ result: MethodResult) throws -> String {
        guard let tensor = Self.firstTensor(result.value) else { throw CommandFailure(message: "--topk needs a tensor result; the method returned \(result.quoted(limit: 80))") }
        guard tensor.rank == 1 || tensor.rank == 2, tensor.dtype.isFloatingPoint, let classes = tensor.shape.last, classes > 0 else {
            throw CommandFailure(message: "--topk needs a floating-point [classes] or [batch, classes] output; the result is \(tensor.dtype.name) \(tensor.shape)")
        }
        if let labels, labels.count != classes {
            FileHandleOutput.standardError.write("warning: the labels file has \(labels.count) labels but the output has \(classes) classes\n")
        }
        let logits: [Double]
        do {
            logits = try tensor.to(.float64).contiguous().scalars(as: Double.self)
        } catch {
            throw CommandFailure(message: "--topk: cannot read the output: \(error)")
        }
        let rows = logits.count / classes
        var out = ""
        for row in 0..<rows {
            let values = Array(logits[(row * classes)..<((row + 1) * classes)])
            let largest = values.max() ?? 0
            let exponentials = values.map { exp($0 - largest) }
            let total = exponentials.reduce(0, +)
            let ranked = values.indices.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }.prefix(k)
            if rows > 1 { out += "row \(row):\n" }
            out += "rank  class  probability  logit" + (labels == nil ? "" : "  label") + "\n"
            for (rank, index) in ranked.enumerated() {
                let label = labels.flatMap { index < $0.count ? "  " + $0[index] : "  ?" } ?? ""
                out += pad(String(rank + 1), 4) + "  " + pad(String(index), 5) + "  " + pad(fixed(exponentials[index] / total, 6), 11)
                    + "  " + fixed(values[index], 4) + label + "\n"
            }
        }
        return out
    }

    private static func firstTensor(_ value: IValue) -> Tensor? {
        switch value {
        case .tensor(let t): return t
        case .tuple(let items): return items.lazy.compactMap(firstTensor).first
        case .list(let items): return items.lazy.compactMap(firstTensor).first
        default: return nil
        }
    }

    /// Labels from a text file (one per line; ImageNet's synset files and `imagenet_classes.txt`) or a
    /// JSON array of strings.
    static func readLabels(_ path: String) throws -> [String] {
        let bytes: [UInt8]
        do {
            bytes = try ArgumentTree.readFile(path)
        } catch {
            throw CommandFailure(message: "cannot open labels file '\(path)'")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if text.drop(while: { $0 == " " || $0 == "\n" }).hasPrefix("["), let items = ArgumentTree.jsonArrayItems(text) {
            return items
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.hasSuffix("\r") ? $0.dropLast() : $0)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }
}

/// `%.Nf` without Foundation.
func fixed(_ value: Double, _ digits: Int) -> String {
    withVaList([value]) { arguments in
        var buffer = [CChar](repeating: 0, count: 64)
        _ = vsnprintf(&buffer, buffer.count, "%.\(digits)f", arguments)
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Right-aligns `text` in `width` columns.
func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
