import Foundation
import FlintNumPy
import FlintTensor
import FlintTestSupport

/// One op-conformance case from `Tests/Fixtures/ops/F.json` + `F.npz` (format: Tools/fixtures/make_op_fixtures.py).
struct OpCase {
    let id: String
    let op: String
    let args: [OpArgument]
    let kwargs: [String: OpArgument]
    let expected: ExpectedOutput?
    let error: String?
    let rtol: Double
    let atol: Double
    let inplace: Bool
    let baseAfter: Tensor?
}

enum OpArgument {
    case tensor(Tensor, base: Tensor)
    case int(Int64)
    case double(Double)
    /// A complex number, `{"complex": [re, im]}`.
    case complex(Double, Double)
    case bool(Bool)
    case none
    case ints([Int])
    case doubles([Double])
    case string(String)
    case dtype(DType)
    case tensors([Tensor])
    case optionalTensors([Tensor?])
}

indirect enum ExpectedOutput {
    case tensor(Tensor)
    case tuple([ExpectedOutput])
    case int(Int64)
    case double(Double)
    case bool(Bool)
}

/// What an op returned.
indirect enum OpOutput {
    case tensor(Tensor)
    case tuple([OpOutput])
    case int(Int64)
    case double(Double)
    case bool(Bool)
}

struct OpFamily {
    let name: String
    let cases: [OpCase]
    /// The ATen CPU capability the fixture was recorded with, where its JSON says (`cpu_capability`).
    var cpuCapability: String? = nil
    /// The CPU it was recorded on, where its JSON says (`cpu`: "VENDOR family F", as ``Fixtures/cpuFamily``).
    var cpu: String? = nil

    static let directory = Fixtures.archivesDirectory.deletingLastPathComponent().appendingPathComponent("ops")

    static func names() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".json") && $0 != "MANIFEST.json" }.map { String($0.dropLast(5)) }.sorted()
    }

    static func load(_ name: String, from directory: URL = OpFamily.directory) throws -> OpFamily {
        let text = try Data(contentsOf: directory.appendingPathComponent(name + ".json"))
        let json = try JSONDecoder().decode(ExactJSON.self, from: text).value as! [String: Any]
        var arrays: [String: Tensor] = [:]
        for (key, value) in try NumPyArray.readArchive(path: directory.appendingPathComponent(name + ".npz").path) {
            if case .tensor(let t) = value { arrays[key] = t }
        }
        let decoder = CaseDecoder(arrays: arrays)
        let cases = try (json["cases"] as! [[String: Any]]).map(decoder.decodeCase)
        return OpFamily(name: name, cases: cases, cpuCapability: json["cpu_capability"] as? String, cpu: json["cpu"] as? String)
    }
}

struct CaseDecoder {
    let arrays: [String: Tensor]

    func decodeCase(_ c: [String: Any]) throws -> OpCase {
        OpCase(
            id: c["id"] as! String,
            op: c["op"] as! String,
            args: try (c["args"] as? [[String: Any]] ?? []).map(decodeArgument),
            kwargs: try (c["kwargs"] as? [String: [String: Any]] ?? [:]).mapValues(decodeArgument),
            expected: try (c["expected"] as? [String: Any]).map(decodeOutput),
            error: c["error"] as? String,
            rtol: (c["rtol"] as? Double) ?? 0,
            atol: (c["atol"] as? Double) ?? 0,
            inplace: (c["inplace"] as? Bool) ?? false,
            baseAfter: try (c["base_after"] as? [String: Any]).map { try array($0) })
    }

    func array(_ spec: [String: Any]) throws -> Tensor {
        guard let key = spec["tensor"] as? String, var t = arrays[key] else { throw TensorError("missing array \(spec)") }
        if let dtype = spec["dtype"] as? String, dtype == "bfloat16", t.dtype == .uint16 {
            t = try Tensor(storage: t.storage, dtype: .bfloat16, shape: t.shape, strides: t.strides, storageOffset: t.storageOffset)
        }
        // Copy so in-place cases never write into another case's data.
        let copy = Tensor.zeros(t.shape, dtype: t.dtype)
        try copy.copy(from: t)
        return copy
    }

    func decodeArgument(_ spec: [String: Any]) throws -> OpArgument {
        if spec["tensor"] != nil {
            let base = try array(spec)
            var view = base
            for step in spec["layout"] as? [[Any]] ?? [] { view = try applyView(step, view) }
            return .tensor(view, base: base)
        }
        if let v = spec["int"] as? Int { return .int(Int64(v)) }
        if let v = spec["bool"] as? Bool { return .bool(v) }
        if let v = spec["float"] { return .double(try double(v)) }
        if let v = spec["complex"] as? [Any], v.count == 2 { return .complex(try double(v[0]), try double(v[1])) }
        if spec["none"] != nil { return .none }
        if let v = spec["ints"] as? [Int] { return .ints(v) }
        if let v = spec["floats"] as? [Any] { return .doubles(try v.map(double)) }
        if let v = spec["str"] as? String { return .string(v) }
        if let v = spec["dtype"] as? String { return .dtype(try dtype(v)) }
        if let v = spec["tensors"] as? [[String: Any]] {
            let items: [Tensor?] = try v.map {
                switch try decodeArgument($0) {
                case .tensor(let t, _): return t
                case .none: return nil
                default: throw TensorError("bad tensor list")
                }
            }
            if items.contains(where: { $0 == nil }) { return .optionalTensors(items) }
            return .tensors(items.map { $0! })
        }
        throw TensorError("unknown argument \(spec)")
    }

    func decodeOutput(_ spec: [String: Any]) throws -> ExpectedOutput {
        if spec["tensor"] != nil {
            var t = try array(spec)
            if let name = spec["dtype"] as? String, name != "bfloat16" { t = try t.to(dtype(name)) }
            return .tensor(t)
        }
        if let items = spec["tuple"] as? [[String: Any]] { return .tuple(try items.map(decodeOutput)) }
        if let v = spec["int"] as? Int { return .int(Int64(v)) }
        if let v = spec["bool"] as? Bool { return .bool(v) }
        if let v = spec["float"] { return .double(try double(v)) }
        throw TensorError("unknown output \(spec)")
    }

    func double(_ value: Any) throws -> Double {
        if let d = value as? Double { return d }
        if let i = value as? Int { return Double(i) }
        switch value as? String {
        case "inf": return .infinity
        case "-inf": return -.infinity
        case "nan": return .nan
        default: throw TensorError("bad float \(value)")
        }
    }

    func dtype(_ name: String) throws -> DType {
        guard let d = DType.allCases.first(where: { $0.name == name }) else { throw TensorError("unknown dtype \(name)") }
        return d
    }

    func applyView(_ step: [Any], _ t: Tensor) throws -> Tensor {
        switch step[0] as! String {
        case "t": return try t.t()
        case "transpose": return try t.transpose(step[1] as! Int, step[2] as! Int)
        case "permute": return try t.permute(step[1] as! [Int])
        case "slice": return try t.slice(dim: step[1] as! Int, start: step[2] as? Int, end: step[3] as? Int, step: step[4] as! Int)
        case "select": return try t.select(dim: step[1] as! Int, index: step[2] as! Int)
        case "expand": return try t.expand(step[1] as! [Int])
        case "unsqueeze": return try t.unsqueeze(step[1] as! Int)
        case "as_strided": return try t.asStrided(step[1] as! [Int], step[2] as! [Int], storageOffset: step[3] as? Int)
        default: throw TensorError("unknown view op \(step)")
        }
    }
}

/// A JSON document as `JSONSerialization` gives it (dictionaries, arrays, strings and `NSNumber`s), but with its numbers
/// read by `JSONDecoder`, which rounds decimal text to the nearest double: Foundation's `JSONSerialization` on Linux
/// can be an ulp or two off (`2.4311867472726125`), which an exactly compared case cannot absorb.
private struct ExactJSON: Decodable {
    let value: Any

    init(from decoder: Decoder) throws {
        if var array = try? decoder.unkeyedContainer() {
            var items: [Any] = []
            while !array.isAtEnd { items.append(try array.decode(ExactJSON.self).value) }
            value = items
            return
        }
        if let object = try? decoder.container(keyedBy: Key.self) {
            var items: [String: Any] = [:]
            for key in object.allKeys { items[key.stringValue] = try object.decode(ExactJSON.self, forKey: key).value }
            value = items
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { value = NSNull() }
        else if let bool = try? single.decode(Bool.self) { value = NSNumber(value: bool) }
        else if let int = try? single.decode(Int.self) { value = NSNumber(value: int) }
        else if let double = try? single.decode(Double.self) { value = NSNumber(value: double) }
        else { value = try single.decode(String.self) }
    }

    private struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}
