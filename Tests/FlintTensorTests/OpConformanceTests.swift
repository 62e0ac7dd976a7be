import Foundation
import FlintTensor
import Testing

/// Replays the op-level conformance fixtures generated with real PyTorch (Tools/fixtures/make_op_fixtures.py):
/// every case's result must match ATen's in dtype, shape and value (within the case's tolerance), and every
/// case where ATen raised must raise here too.
@Suite struct OpConformanceTests {
    static let families = OpFamily.names()

    /// Cases where Flint is knowingly not bit-compatible with ATen, with the reason. Each must still fail
    /// (a known issue), so the list shrinks when a case starts matching.
    static let knownDivergences: [String: String] = [:]

    @Test func fixturesArePresent() {
        #expect(!Self.families.isEmpty)
    }

    @Test(arguments: families)
    func familyMatchesATen(_ name: String) throws {
        let family = try OpFamily.load(name)
        var unimplemented: Set<String> = []
        var failures: [String] = []
        var passed = 0
        for c in family.cases {
            if let reason = Self.knownDivergences[c.id] {
                withKnownIssue("\(c.id): \(reason)") {
                    let output = try OpTable.operations[c.op]?(OpCall(args: c.args, kwargs: c.kwargs))
                    if let output, let expected = c.expected, Self.compare(output, expected, rtol: c.rtol, atol: c.atol) == nil { return }
                    Issue.record("differs from ATen")
                }
                continue
            }
            guard let implementation = OpTable.operations[c.op] else {
                unimplemented.insert(c.op)
                continue
            }
            let call = OpCall(args: c.args, kwargs: c.kwargs)
            if let error = c.error {
                do {
                    let output = try implementation(call)
                    failures.append("\(c.id): expected an error containing '\(error)', got \(describe(output))")
                } catch let thrown {
                    if !"\(thrown)".lowercased().contains(error.lowercased()) {
                        failures.append("\(c.id): expected an error containing '\(error)', got '\(thrown)'")
                    }
                }
                continue
            }
            do {
                let output = try implementation(call)
                if let expected = c.expected, let problem = Self.compare(output, expected, rtol: c.rtol, atol: c.atol) {
                    failures.append("\(c.id): \(problem)")
                } else {
                    passed += 1
                }
            } catch {
                failures.append("\(c.id): threw \(error)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(family.cases.count) cases differ from ATen:\n\(failures.prefix(60).joined(separator: "\n"))")
        if !unimplemented.isEmpty {
            withKnownIssue("ops not implemented yet in \(name): \(unimplemented.sorted().joined(separator: ", "))") {
                #expect(unimplemented.isEmpty)
            }
        }
        #expect(passed > 0 || family.cases.allSatisfy { $0.error != nil || OpTable.operations[$0.op] == nil })
    }

    private func describe(_ output: OpOutput) -> String {
        switch output {
        case .tensor(let t): "tensor \(t.dtype) \(t.shape)"
        case .tuple(let items): "(" + items.map(describe).joined(separator: ", ") + ")"
        case .int(let i): "\(i)"
        case .double(let d): "\(d)"
        case .bool(let b): "\(b)"
        }
    }

    /// Why `output` is not `expected` within rtol/atol (relative to the largest expected magnitude, at least 1), or nil.
    static func compare(_ output: OpOutput, _ expected: ExpectedOutput, rtol: Double, atol: Double) -> String? {
        switch (output, expected) {
        case (.tensor(let got), .tensor(let want)):
            guard got.dtype == want.dtype else { return "dtype \(got.dtype) != \(want.dtype)" }
            guard got.shape == want.shape else { return "shape \(got.shape) != \(want.shape)" }
            if got.dtype.isComplex {
                // Real and imaginary parts each within rtol/atol: compared as torch.view_as_real of both.
                guard let gotParts = try? got.viewAsReal(), let wantParts = try? want.viewAsReal() else { return "values not comparable" }
                return compare(.tensor(gotParts), .tensor(wantParts), rtol: rtol, atol: atol)
            }
            guard let a = try? got.to(.float64).scalars(as: Double.self), let b = try? want.to(.float64).scalars(as: Double.self) else {
                return got.dtype == want.dtype && got.dtype.isIntegral ? compareIntegers(got, want) : "values not comparable"
            }
            if got.dtype == .int64 || got.dtype == .uint64 { return compareIntegers(got, want) }
            let scale = Swift.max(1, b.lazy.filter(\.isFinite).map(Swift.abs).max() ?? 1)
            for i in 0..<a.count {
                if a[i].isNaN && b[i].isNaN { continue }
                if a[i] == b[i] { continue }
                if Swift.abs(a[i] - b[i]) > atol * scale + rtol * Swift.abs(b[i]) || a[i].isNaN != b[i].isNaN {
                    return "element \(i): \(a[i]) != \(b[i]) (rtol \(rtol), atol \(atol))"
                }
            }
            return nil
        case (.tuple(let got), .tuple(let want)):
            guard got.count == want.count else { return "tuple of \(got.count) != \(want.count)" }
            for (g, w) in zip(got, want) { if let problem = compare(g, w, rtol: rtol, atol: atol) { return problem } }
            return nil
        case (.int(let a), .int(let b)): return a == b ? nil : "\(a) != \(b)"
        case (.bool(let a), .bool(let b)): return a == b ? nil : "\(a) != \(b)"
        case (.double(let a), .double(let b)): return a == b || (a.isNaN && b.isNaN) || Swift.abs(a - b) <= atol + rtol * Swift.abs(b) ? nil : "\(a) != \(b)"
        default: return "kind of result differs"
        }
    }

    private static func compareIntegers(_ got: Tensor, _ want: Tensor) -> String? {
        guard let a = try? got.to(.int64).scalars(as: Int64.self), let b = try? want.to(.int64).scalars(as: Int64.self) else { return "values not comparable" }
        for i in 0..<a.count where a[i] != b[i] { return "element \(i): \(a[i]) != \(b[i])" }
        return nil
    }
}
