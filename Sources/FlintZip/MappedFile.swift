#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped into memory, privately and copy-on-write.
///
/// Pages are read from disk only when touched, so mapping a 100 MB archive costs no resident memory until
/// its weights are used. Writes through the mapping stay private to the process (the file is never
/// modified). The mapping lives as long as this object; tensors that view it keep it alive.
package final class MappedFile: @unchecked Sendable {
    /// The path the file was opened from.
    package let path: String
    /// Start of the mapping; a valid pointer even for an empty file (then pointing at a 1-byte dummy).
    package let base: UnsafeMutableRawPointer
    /// Size of the file in bytes.
    package let count: Int
    private let isMapped: Bool

    /// Maps the file at `path`. Throws ``ZipError`` (kind `.io`) when it cannot be opened or mapped.
    package init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ZipError(.io, "cannot open '\(path)': \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ZipError(.io, "cannot stat '\(path)': \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw ZipError(.io, "'\(path)' is not a regular file") }
        let size = Int(info.st_size)
        count = size
        if size == 0 {
            base = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 64)
            isMapped = false
            return
        }
        let pointer = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
        guard let pointer, pointer != MAP_FAILED else {
            throw ZipError(.io, "cannot map '\(path)' (\(size) bytes): \(String(cString: strerror(errno)))")
        }
        base = pointer
        isMapped = true
    }

    /// Copies `bytes` into memory owned by this object, for archives that arrive as data rather than files.
    /// `path` only names the source in messages.
    package init(copying bytes: UnsafeRawBufferPointer, path: String) {
        self.path = path
        count = bytes.count
        base = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
        if let source = bytes.baseAddress { base.copyMemory(from: source, byteCount: bytes.count) }
        isMapped = false
    }

    /// A read-only view of the whole file.
    package var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    deinit {
        if isMapped { munmap(base, count) } else { base.deallocate() }
    }
}
