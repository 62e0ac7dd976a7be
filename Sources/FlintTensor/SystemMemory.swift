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
}
