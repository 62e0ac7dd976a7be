import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How `flint serve` writes its log lines to standard error.
public enum ServeLogFormat: String, Sendable, CaseIterable {
    /// `2026-12-03T05:40:00Z info HTTP listening address=127.0.0.1:8000`
    case text
    /// One JSON object per line: `{"time":…,"level":…,"message":…,"<metadata key>":…}` (for log collectors).
    case json
}

/// A swift-log handler writing one line per message to standard error, as text or JSON.
public struct ServeLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let format: ServeLogFormat
    private let label: String

    public init(label: String, format: ServeLogFormat) {
        self.label = label
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = self.metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let time = Self.timestamp()
        var line: String
        switch format {
        case .text:
            line = "\(time) \(event.level) \(event.message)"
            for key in merged.keys.sorted() { line += " \(key)=\(merged[key]!)" }
        case .json:
            line = "{\"time\":" + InferenceHTTPCodec.jsonString(time) + ",\"level\":\"\(event.level)\",\"message\":"
                + InferenceHTTPCodec.jsonString("\(event.message)")
            for key in merged.keys.sorted() {
                line += "," + InferenceHTTPCodec.jsonString(key) + ":" + InferenceHTTPCodec.jsonString("\(merged[key]!)")
            }
            line += "}"
        }
        line += "\n"
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { return }
            offset += written
        }
    }

    /// UTC time to the millisecond, ISO 8601.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(now.tv_nsec / 1_000_000), 3))Z"
    }
}
