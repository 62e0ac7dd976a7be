/// One to three per-dimension integers (a convolution's or pooling window's spatial sizes, strides,
/// paddings or dilations) held inline: making, copying and comparing them never allocates, unlike `[Int]`,
/// so a kernel's geometry costs nothing on the heap per call.
struct SpatialSizes: RandomAccessCollection, Equatable, ExpressibleByArrayLiteral, CustomStringConvertible {
    /// The most dimensions held.
    static let capacity = 3

    private var values: (Int, Int, Int) = (0, 0, 0)
    let count: Int

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    /// The values of `source` (at most ``capacity`` of them: callers check the rank first).
    init<Source: Collection>(_ source: Source) where Source.Element == Int {
        precondition(source.count <= Self.capacity, "SpatialSizes holds at most \(Self.capacity) dimensions, got \(source.count)")
        count = source.count
        for (index, value) in source.enumerated() { self[index] = value }
    }

    /// `count` copies of `value`.
    init(repeating value: Int, count: Int) {
        precondition(count <= Self.capacity, "SpatialSizes holds at most \(Self.capacity) dimensions, got \(count)")
        self.count = count
        values = (value, value, value)
    }

    init(arrayLiteral elements: Int...) {
        self.init(elements)
    }

    subscript(position: Int) -> Int {
        get {
            precondition(position >= 0 && position < count, "index \(position) out of range for \(count) sizes")
            switch position {
            case 0: return values.0
            case 1: return values.1
            default: return values.2
            }
        }
        set {
            precondition(position >= 0 && position < count, "index \(position) out of range for \(count) sizes")
            switch position {
            case 0: values.0 = newValue
            case 1: values.1 = newValue
            default: values.2 = newValue
            }
        }
    }

    /// The product of the values (1 for none).
    var product: Int { reduce(1, *) }

    static func == (lhs: SpatialSizes, rhs: SpatialSizes) -> Bool {
        lhs.elementsEqual(rhs)
    }

    var description: String { "\(Array(self))" }
}
