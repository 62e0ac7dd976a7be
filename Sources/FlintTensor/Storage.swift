/// A flat block of bytes that tensors view. Several tensors may share one storage (views), and writes
/// through one are visible through all.
///
/// A storage either owns its memory (64-byte aligned, from the block cache) or borrows it from an `owner`
/// that keeps it alive, such as a memory-mapped archive: weights are then used in place, never copied.
public final class Storage: @unchecked Sendable {
    /// First byte of the storage.
    public let base: UnsafeMutableRawPointer
    /// Size in bytes.
    public let byteCount: Int
    private let owner: AnyObject?

    /// Allocates `byteCount` zeroed bytes, 64-byte aligned.
    public init(byteCount: Int) {
        precondition(byteCount >= 0, "negative storage size")
        base = BlockCache.allocate(byteCount)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
        self.byteCount = byteCount
        owner = nil
    }

    /// Allocates `byteCount` bytes, 64-byte aligned, without initialising them: for results that every
    /// element is written to.
    init(uninitializedByteCount byteCount: Int) {
        precondition(byteCount >= 0, "negative storage size")
        base = BlockCache.allocate(byteCount)
        self.byteCount = byteCount
        owner = nil
    }

    /// Views `byteCount` bytes at `base` that `owner` keeps alive; nothing is copied.
    public init(borrowing base: UnsafeMutableRawPointer, byteCount: Int, owner: AnyObject) {
        self.base = base
        self.byteCount = byteCount
        self.owner = owner
    }

    /// Whether the bytes belong to another object (e.g. a mapped file) rather than to this storage.
    public var isBorrowed: Bool { owner != nil }

    deinit {
        if owner == nil { BlockCache.release(base, byteCount: byteCount) }
    }
}
