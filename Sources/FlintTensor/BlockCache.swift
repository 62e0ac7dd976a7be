#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Recycles large tensor buffers. Inference allocates the same sizes on every call; handing a freed
/// block back to the next request of its size class avoids the page faults (and zeroing) a fresh
/// allocation from the system costs. Blocks below 64 KiB go to the system allocator directly; at most
/// ``capacity`` bytes are kept. Thread-safe.
enum BlockCache {
    static let minimumSize = 1 << 16
    /// Bytes kept for reuse at most.
    static let capacity = 1 << 28

    /// Free blocks by size class (``classIndex(_:)``). An array, not a dictionary keyed by size: a
    /// dictionary's in-place update (`free[size]?.popLast()`) runs a coroutine whose frame Swift allocates on
    /// the heap, one allocation per tensor made.
    nonisolated(unsafe) private static var free = [[UnsafeMutableRawPointer]](repeating: [], count: classCount)
    /// Size classes from `minimumSize` up to 2⁶³: eight per power of two.
    private static let classCount = (Int.bitWidth - 1 - minimumSize.trailingZeroBitCount) * 8
    nonisolated(unsafe) private static var cachedBytes = 0
    nonisolated(unsafe) private static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        return lock
    }()

    /// The size actually allocated for a request: a size class with at most 1/8 slack.
    static func sizeClass(_ byteCount: Int) -> Int {
        guard byteCount >= minimumSize else { return Swift.max(byteCount, 1) }
        let high = Int.bitWidth - 1 - byteCount.leadingZeroBitCount
        let step = 1 << Swift.max(high - 3, 0)
        return (byteCount + step - 1) / step * step
    }

    /// The position of a size class (a value of ``sizeClass(_:)`` of at least `minimumSize`) in `free`.
    static func classIndex(_ size: Int) -> Int {
        let high = Int.bitWidth - 1 - size.leadingZeroBitCount
        return (high - minimumSize.trailingZeroBitCount) * 8 + size >> (high - 3) - 8
    }

    /// A 64-byte-aligned block of `sizeClass(byteCount)` bytes, reused when one is free.
    static func allocate(_ byteCount: Int) -> UnsafeMutableRawPointer {
        let size = sizeClass(byteCount)
        if size >= minimumSize {
            pthread_mutex_lock(lock)
            if let block = free[classIndex(size)].popLast() {
                cachedBytes -= size
                pthread_mutex_unlock(lock)
                return block
            }
            pthread_mutex_unlock(lock)
        }
        return SystemMemory.allocate(size)
    }

    /// Returns a block from ``allocate(_:)`` for the same `byteCount`.
    static func release(_ block: UnsafeMutableRawPointer, byteCount: Int) {
        let size = sizeClass(byteCount)
        if size >= minimumSize {
            pthread_mutex_lock(lock)
            if cachedBytes + size <= capacity {
                free[classIndex(size)].append(block)
                cachedBytes += size
                pthread_mutex_unlock(lock)
                return
            }
            pthread_mutex_unlock(lock)
        }
        SystemMemory.deallocate(block, byteCount: size)
    }
}
