#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One number through the C library's `printf` conversions, as C++ streams and `std::to_string` print it
/// (`%f` is `std::to_string(double)`, `%e` a stream in `std::scientific`).
public enum CFormat {
    /// `snprintf(format, value)` for a format with one double conversion (`"%f"`, `"%.6e"`, `"%E"`).
    public static func string(_ format: String, _ value: Double) -> String {
        withVaList([value]) { arguments in
            var buffer = [CChar](repeating: 0, count: 512)
            _ = vsnprintf(&buffer, buffer.count, format, arguments)
            return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}
