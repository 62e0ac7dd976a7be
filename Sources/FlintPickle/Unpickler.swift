/// Decodes a pickle (protocols 0–5, as TorchScript and `torch.save` write them) into a ``PickleValue``.
///
/// The machine is iterative (no recursion on nesting), linear in the input, and bounded: containers may
/// nest at most ``maximumNestingDepth`` deep, and every length is checked against the remaining bytes.
/// Memo slots are shared, never copied, so aliasing in the file is preserved.
package struct Unpickler<Resolver: PickleResolver> {
    /// Deepest container nesting accepted.
    package static var maximumNestingDepth: Int { 1000 }

    private let bytes: UnsafeRawBufferPointer
    private let resolver: Resolver
    private var position = 0
    private var opcodeStart = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [UInt32: PickleValue] = [:]

    package init(bytes: UnsafeRawBufferPointer, resolver: Resolver) {
        self.bytes = bytes
        self.resolver = resolver
    }

    /// Runs the pickle to its `STOP` and returns the value it leaves on the stack.
    package mutating func load() throws -> PickleValue {
        do {
            return try run()
        } catch let error as PickleError {
            cleanUp()
            throw error
        } catch {
            cleanUp()
            throw PickleError(offset: opcodeStart, "\(error)", underlying: error)
        }
    }

    private mutating func cleanUp() {
        for value in stack { value.dismantle() }
        for value in memo.values { value.dismantle() }
        stack = []
        memo = [:]
    }

    private mutating func run() throws -> PickleValue {
        while true {
            opcodeStart = position
            let byte = try readByte()
            guard let opcode = PickleOpcode(rawValue: byte) else {
                throw fail("unknown opcode 0x\(String(byte, radix: 16))")
            }
            switch opcode {
            case .proto:
                let version = try readByte()
                guard version <= 5 else { throw fail("unsupported pickle protocol \(version)") }
            case .frame:
                _ = try readInteger(8)
            case .stop:
                guard stack.count == 1, marks.isEmpty else {
                    throw fail("STOP with \(stack.count) values on the stack and \(marks.count) open marks")
                }
                let result = stack[0]
                stack = []
                memo = [:]
                return result
            case .mark:
                marks.append(stack.count)
            case .pop:
                _ = try pop()
            case .popMark:
                _ = try popToMark()
            case .dup:
                try push(top())
            case .none:
                try push(.none)
            case .newTrue:
                try push(.bool(true))
            case .newFalse:
                try push(.bool(false))
            case .binInt:
                try push(.int(Int64(Int32(truncatingIfNeeded: try readInteger(4)))))
            case .binInt1:
                try push(.int(Int64(try readByte())))
            case .binInt2:
                try push(.int(Int64(try readInteger(2))))
            case .long1:
                try push(.int(try readLong(length: Int(try readByte()))))
            case .long4:
                try push(.int(try readLong(length: Int(try readInteger(4)))))
            case .int:
                let text = try readLine()
                if text == "01" { try push(.bool(true)) } else if text == "00" { try push(.bool(false)) } else {
                    guard let value = Int64(text) else { throw fail("INT '\(text)' is not a 64-bit integer") }
                    try push(.int(value))
                }
            case .long:
                var text = try readLine()
                if text.hasSuffix("L") { text.removeLast() }
                guard let value = Int64(text) else { throw fail("LONG '\(text)' is not a 64-bit integer") }
                try push(.int(value))
            case .binFloat:
                try push(.float(Double(bitPattern: UInt64(bigEndianBytes: try readBytes(8)))))
            case .float:
                let text = try readLine()
                guard let value = Double(text) else { throw fail("FLOAT '\(text)' is not a number") }
                try push(.float(value))
            case .binUnicode:
                try push(.string(try readString(Int(try readInteger(4)))))
            case .shortBinUnicode:
                try push(.string(try readString(Int(try readByte()))))
            case .binUnicode8:
                try push(.string(try readString(try readLength(8))))
            case .binString, .binBytes:
                try push(.bytes(Array(try readBytes(Int(try readInteger(4))))))
            case .shortBinString, .shortBinBytes:
                try push(.bytes(Array(try readBytes(Int(try readByte())))))
            case .binBytes8:
                try push(.bytes(Array(try readBytes(try readLength(8)))))
            case .string, .unicode:
                throw fail("text string opcode '\(Character(UnicodeScalar(byte)))' is not supported")
            case .emptyTuple:
                try push(.tuple(PickleTuple([])))
            case .tuple1, .tuple2, .tuple3:
                let count = Int(byte - PickleOpcode.tuple1.rawValue) + 1
                guard stack.count - (marks.last ?? 0) >= count else { throw fail("TUPLE\(count) needs \(count) values") }
                let items = Array(stack.suffix(count))
                stack.removeLast(count)
                try push(try makeTuple(items))
            case .tuple:
                try push(try makeTuple(try popToMark()))
            case .emptyList:
                try push(.list(PickleList()))
            case .list:
                let list = PickleList(try popToMark())
                try checkDepth(list.depth)
                try push(.list(list))
            case .append:
                let item = try pop()
                try appendItems(to: try top(), [item])
            case .appends:
                let items = try popToMark()
                try appendItems(to: try top(), items)
            case .emptyDict:
                try push(.dict(PickleDict()))
            case .dict:
                let dict = PickleDict()
                try setItems(dict, try popToMark())
                try push(.dict(dict))
            case .setItem:
                let value = try pop()
                let key = try pop()
                guard case .dict(let dict) = try top() else { throw fail("SETITEM on a \(try top().kindName)") }
                try setItems(dict, [key, value])
            case .setItems:
                let items = try popToMark()
                guard case .dict(let dict) = try top() else { throw fail("SETITEMS on a \(try top().kindName)") }
                try setItems(dict, items)
            case .global:
                let module = try readLine()
                let name = try readLine()
                try push(try resolver.resolveGlobal(module: module, name: name))
            case .stackGlobal:
                guard case .string(let name) = try pop(), case .string(let module) = try pop() else {
                    throw fail("STACK_GLOBAL needs two strings")
                }
                try push(try resolver.resolveGlobal(module: module, name: name))
            case .reduce:
                let argument = try pop()
                let callable = try pop()
                try push(try resolver.reduce(callable, argument: argument))
            case .newObj:
                let arguments = try pop()
                let cls = try pop()
                try push(try resolver.newObject(cls, arguments: arguments))
            case .build:
                let state = try pop()
                let object = try pop()
                try push(try resolver.build(object, state: state))
            case .binPersId:
                try push(try resolver.persistentLoad(try pop()))
            case .persId:
                try push(try resolver.persistentLoad(.string(try readLine())))
            case .binPut:
                memo[UInt32(try readByte())] = try top()
            case .longBinPut:
                memo[UInt32(try readInteger(4))] = try top()
            case .put:
                memo[try memoIndex(try readLine())] = try top()
            case .memoize:
                memo[UInt32(truncatingIfNeeded: memo.count)] = try top()
            case .binGet:
                try push(try memoValue(UInt32(try readByte())))
            case .longBinGet:
                try push(try memoValue(UInt32(try readInteger(4))))
            case .get:
                try push(try memoValue(try memoIndex(try readLine())))
            }
        }
    }

    // MARK: Stack

    private mutating func push(_ value: PickleValue) throws {
        stack.append(value)
    }

    private mutating func pop() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0) else { throw fail("stack underflow") }
        return stack.removeLast()
    }

    private func top() throws -> PickleValue {
        guard let last = stack.last, stack.count > (marks.last ?? 0) else { throw fail("stack underflow") }
        return last
    }

    private mutating func popToMark() throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw fail("no MARK on the stack") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private func makeTuple(_ items: [PickleValue]) throws -> PickleValue {
        let tuple = PickleTuple(items)
        try checkDepth(tuple.depth)
        return .tuple(tuple)
    }

    private func appendItems(to target: PickleValue, _ items: [PickleValue]) throws {
        guard case .list(let list) = target else { throw fail("APPEND to a \(target.kindName)") }
        list.append(contentsOf: items)
        try checkDepth(list.depth)
    }

    private func setItems(_ dict: PickleDict, _ items: [PickleValue]) throws {
        guard items.count % 2 == 0 else { throw fail("odd number of values for dict items") }
        var index = 0
        while index < items.count {
            dict.set(items[index], items[index + 1])
            index += 2
        }
        try checkDepth(dict.depth)
    }

    private func checkDepth(_ depth: Int) throws {
        guard depth <= Self.maximumNestingDepth else {
            throw fail("containers nest more than \(Self.maximumNestingDepth) deep")
        }
    }

    private func memoValue(_ index: UInt32) throws -> PickleValue {
        guard let value = memo[index] else { throw fail("memo slot \(index) is empty") }
        return value
    }

    private func memoIndex(_ text: String) throws -> UInt32 {
        guard let index = UInt32(text) else { throw fail("memo index '\(text)' is invalid") }
        return index
    }

    // MARK: Input

    private func fail(_ message: String) -> PickleError {
        PickleError(offset: opcodeStart, message)
    }

    private mutating func readByte() throws -> UInt8 {
        guard position < bytes.count else { throw fail("pickle ends early (truncated)") }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func readBytes(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - position else {
            throw fail("needs \(count) bytes but only \(bytes.count - position) remain (truncated)")
        }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
    }

    /// An unsigned little-endian integer of `count` bytes.
    private mutating func readInteger(_ count: Int) throws -> UInt64 {
        let raw = try readBytes(count)
        var value: UInt64 = 0
        for (i, byte) in raw.enumerated() { value |= UInt64(byte) << (8 * UInt64(i)) }
        return value
    }

    private mutating func readLength(_ count: Int) throws -> Int {
        let value = try readInteger(count)
        guard value <= UInt64(bytes.count - position) else {
            throw fail("length \(value) exceeds the \(bytes.count - position) remaining bytes")
        }
        return Int(value)
    }

    /// A little-endian two's-complement integer of `length` bytes (LONG1/LONG4); at most 64 bits.
    private mutating func readLong(length: Int) throws -> Int64 {
        guard length <= 8 else { throw fail("integer of \(length) bytes does not fit in 64 bits") }
        guard length > 0 else { return 0 }
        let raw = try readBytes(length)
        var value: UInt64 = 0
        for (i, byte) in raw.enumerated() { value |= UInt64(byte) << (8 * UInt64(i)) }
        if length < 8, raw[length - 1] & 0x80 != 0 { value |= ~0 << (8 * UInt64(length)) }
        return Int64(bitPattern: value)
    }

    private mutating func readString(_ count: Int) throws -> String {
        String(decoding: try readBytes(count), as: UTF8.self)
    }

    private mutating func readLine() throws -> String {
        var end = position
        while end < bytes.count, bytes[end] != 0x0A { end += 1 }
        guard end < bytes.count else { throw fail("text argument has no terminating newline (truncated)") }
        let line = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self)
        position = end + 1
        return line
    }
}

extension UInt64 {
    fileprivate init(bigEndianBytes raw: UnsafeRawBufferPointer) {
        var value: UInt64 = 0
        for byte in raw { value = value << 8 | UInt64(byte) }
        self = value
    }
}
