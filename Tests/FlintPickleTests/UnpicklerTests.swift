import FlintPickle
import Testing

/// A resolver that accepts every global as an inert reference and records nothing else.
private struct InertResolver: PickleResolver {
    func resolveGlobal(module: String, name: String) throws -> PickleValue { .global(module: module, name: name) }
    func reduce(_ callable: PickleValue, argument: PickleValue) throws -> PickleValue { argument }
    func newObject(_ cls: PickleValue, arguments: PickleValue) throws -> PickleValue { .none }
    func build(_ object: PickleValue, state: PickleValue) throws -> PickleValue { object }
    func persistentLoad(_ id: PickleValue) throws -> PickleValue { id }
}

private func unpickle(_ bytes: [UInt8]) throws -> PickleValue {
    try bytes.withUnsafeBytes { buffer in
        var unpickler = Unpickler(bytes: buffer, resolver: InertResolver())
        return try unpickler.load()
    }
}

private func ints(_ value: PickleValue) -> [Int64]? {
    guard case .tuple(let t) = value else { return nil }
    return t.elements.compactMap { if case .int(let i) = $0 { i } else { nil } }
}

@Suite struct UnpicklerTests {
    @Test func opcodeBytesAreUnique() {
        #expect(Set(PickleOpcode.allCases.map(\.rawValue)).count == PickleOpcode.allCases.count)
        #expect(PickleOpcode(rawValue: 0x8A) == .long1)
    }

    @Test func integersOfEveryEncoding() throws {
        let pickle: [UInt8] = [0x80, 0x02, 0x28,
            0x4B, 0xFF,  // BININT1 255
            0x4D, 0x34, 0x12,  // BININT2 0x1234
            0x4A, 0xFE, 0xFF, 0xFF, 0xFF,  // BININT -2
            0x8A, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x80,  // LONG1 int64.min
            0x8A, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F,  // LONG1 int64.max
            0x8A, 0x02, 0x00, 0xFF,  // LONG1 -256
            0x8A, 0x00,  // LONG1 0
            0x74, 0x2E]
        #expect(ints(try unpickle(pickle)) == [255, 0x1234, -2, Int64.min, Int64.max, -256, 0])
    }

    @Test func integersWiderThan64BitsAreRefused() {
        let pickle: [UInt8] = [0x80, 0x02, 0x8A, 0x09] + [UInt8](repeating: 0, count: 9) + [0x2E]
        #expect(throws: PickleError.self) { try unpickle(pickle) }
    }

    @Test func textOpcodes() throws {
        let pickle = Array("(I42\nL-7L\nI01\nF2.5\np0\ng0\nt.".utf8)
        guard case .tuple(let t) = try unpickle(pickle) else { Issue.record("not a tuple"); return }
        #expect(t.elements.count == 5)
        if case .int(let i) = t.elements[0] { #expect(i == 42) } else { Issue.record("INT") }
        if case .int(let i) = t.elements[1] { #expect(i == -7) } else { Issue.record("LONG") }
        if case .bool(let b) = t.elements[2] { #expect(b) } else { Issue.record("I01") }
        if case .float(let f) = t.elements[4] { #expect(f == 2.5) } else { Issue.record("GET") }
    }

    @Test func binFloatIsBigEndian() throws {
        let pickle: [UInt8] = [0x80, 0x02, 0x47, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0, 0x2E]
        guard case .float(let value) = try unpickle(pickle) else { Issue.record("not a float"); return }
        #expect(value == 1.5)
    }

    @Test func memoSharesContainers() throws {
        // [] memoized, then a tuple holding it twice: both elements are the same list object.
        let pickle: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x86, 0x2E]
        guard case .tuple(let t) = try unpickle(pickle), case .list(let a) = t.elements[0], case .list(let b) = t.elements[1]
        else { Issue.record("shape"); return }
        #expect(a === b)
    }

    @Test func dictKeepsInsertionOrderAndReplacesDuplicates() throws {
        let pickle: [UInt8] = [0x80, 0x02, 0x7D, 0x28, 0x4B, 3, 0x4B, 30, 0x4B, 1, 0x4B, 10, 0x4B, 3, 0x4B, 33, 0x75, 0x2E]
        guard case .dict(let d) = try unpickle(pickle) else { Issue.record("not a dict"); return }
        #expect(d.keys.count == 2)
        if case .int(let first) = d.keys[0], case .int(let value) = d.values[0] {
            #expect(first == 3 && value == 33)
        }
    }

    @Test(arguments: [
        [UInt8]([0x80, 0x02]),  // no STOP
        [0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x61],  // string longer than the input
        [0x80, 0x02, 0x68, 0x05, 0x2E],  // empty memo slot
        [0x80, 0x02, 0x61, 0x2E],  // APPEND on an empty stack
        [0x80, 0x02, 0xFF, 0x2E],  // unknown opcode
        [0x80, 0x02, 0x4B, 0x01, 0x4B, 0x02, 0x2E],  // two values at STOP
        [0x80, 0x09, 0x4E, 0x2E],  // unknown protocol
        [0x80, 0x02, 0x63, 0x61, 0x62],  // GLOBAL without newline
    ])
    func malformedPicklesThrow(_ bytes: [UInt8]) {
        #expect(throws: PickleError.self) { try unpickle(bytes) }
    }

    @Test func unknownOpcodeErrorNamesTheByteAndOffset() {
        do {
            _ = try unpickle([0x80, 0x02, 0xFF, 0x2E])
        } catch let error as PickleError {
            #expect(error.offset == 2)
            #expect(error.description.contains("0xff"))
        } catch { Issue.record("\(error)") }
    }

    @Test func randomInputNeverCrashes() {
        var state: UInt64 = 12345
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        let alphabet = PickleOpcode.allCases.map(\.rawValue) + [0, 1, 2, 0xFF]
        for _ in 0..<20_000 {
            let count = Int(next() % 64)
            let bytes = [0x80, 0x02] + (0..<count).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }
            _ = try? unpickle(bytes)
        }
    }
}
