#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Memory from the system for tensor buffers and packed weights, 64-byte aligned. On Linux, a block of
/// ``hugeBlockSize`` or more is aligned to 2 MiB and advised as transparent huge pages (`MADV_HUGEPAGE`, which
/// the kernel's default `madvise` mode honours): its first touch then faults 2 MiB at a time instead of 4 KiB,
/// which is most of what loading and optimising a model with 100 MB of weights costs beyond the arithmetic, and
/// reading it walks fewer TLB entries. Elsewhere every block comes from the system allocator as it is.
enum SystemMemory {
    /// Blocks from this size up are huge-page aligned and advised (Linux), unless `FLINT_HUGE_PAGES=0`.
    static let hugeBlockSize = 1 << 21
    private static let hugePage = 1 << 21
    private static let advisesHugePages = getenv("FLINT_HUGE_PAGES").map { String(cString: $0) != "0" } ?? true

    /// A block of `byteCount` bytes (at least 1), 64-byte aligned; give it back with ``deallocate(_:byteCount:)``.
    static func allocate(_ byteCount: Int) -> UnsafeMutableRawPointer {
        #if os(Linux)
        if byteCount >= hugeBlockSize && advisesHugePages {
            var block: UnsafeMutableRawPointer?
            if posix_memalign(&block, hugePage, byteCount) == 0, let block {
                _ = madvise(block, byteCount, MADV_HUGEPAGE)
                return block
            }
        }
        #endif
        return UnsafeMutableRawPointer.allocate(byteCount: Swift.max(byteCount, 1), alignment: 64)
    }

    /// Returns a block from ``allocate(_:)`` of the same `byteCount`.
    static func deallocate(_ block: UnsafeMutableRawPointer, byteCount: Int) {
        #if os(Linux)
        if byteCount >= hugeBlockSize && advisesHugePages {
            free(block)
            return
        }
        #endif
        block.deallocate()
    }

    /// The size from which ``Tensor/mappedZeros(_:dtype:)`` maps its memory (``zeroPages(_:)``) rather than take a
    /// zeroed block from the block cache.
    static let mappedZeroBlockSize = 1 << 16

    /// `byteCount` zero bytes the system maps on first touch (an anonymous private mapping, page-aligned):
    /// nothing is written, and a page never written costs no memory. Nil when the mapping fails. Give it back
    /// with ``unmapZeroPages(_:byteCount:)``.
    static func zeroPages(_ byteCount: Int) -> UnsafeMutableRawPointer? {
        let block = mmap(nil, Swift.max(byteCount, 1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let block, block != MAP_FAILED else { return nil }
        return block
    }

    /// Unmaps a block from ``zeroPages(_:)`` of the same `byteCount`.
    static func unmapZeroPages(_ block: UnsafeMutableRawPointer, byteCount: Int) {
        _ = munmap(block, Swift.max(byteCount, 1))
    }
}

/// Owns a mapping from ``SystemMemory/zeroPages(_:)`` for the storage that borrows it.
private final class ZeroPages {
    let base: UnsafeMutableRawPointer
    let byteCount: Int

    init?(_ byteCount: Int) {
        guard let base = SystemMemory.zeroPages(byteCount) else { return nil }
        (self.base, self.byteCount) = (base, byteCount)
    }

    deinit { SystemMemory.unmapZeroPages(base, byteCount: byteCount) }
}

extension Tensor {
    /// A contiguous zero-filled tensor whose memory, from 64 KiB up, the system maps as it is first touched:
    /// making it writes nothing, and reading it reads the shared zero page. For stand-ins whose values do not
    /// matter until (unless) something writes them, such as a recording run's placeholders; anything else
    /// should use ``init(zeros:dtype:)``, whose memory comes from the block cache.
    public static func mappedZeros(_ shape: [Int], dtype: DType) -> Tensor {
        let byteCount = shape.reduce(1, *) * dtype.itemSize
        guard byteCount >= SystemMemory.mappedZeroBlockSize, let pages = ZeroPages(byteCount) else { return Tensor(zeros: shape, dtype: dtype) }
        return Tensor(
            unchecked: Storage(borrowing: pages.base, byteCount: byteCount, owner: pages), dtype: dtype, shape: shape,
            strides: Tensor.contiguousStrides(for: shape), storageOffset: 0)
    }
}
