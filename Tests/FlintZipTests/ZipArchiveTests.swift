import Foundation
import FlintTestSupport
import FlintZip
import Testing

@Suite struct ZipArchiveTests {
    private func write(_ writer: TestZipWriter) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("flint-zip-\(UUID().uuidString).zip").path
        try writer.write(to: path)
        return path
    }

    @Test func storedAndDeflatedRecordsRoundTrip() throws {
        var writer = TestZipWriter()
        let text = Array(String(repeating: "def forward(self, x: Tensor) -> Tensor:\n", count: 200).utf8)
        writer.records = [
            .init(name: "m/stored", contents: Array(0..<200).map { UInt8($0) }),
            .init(name: "m/deflated", contents: text, deflate: true),
            .init(name: "m/empty", contents: []),
        ]
        let path = try write(writer)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let zip = try ZipArchive(path: path)
        #expect(zip.entries.map(\.name) == ["m/stored", "m/deflated", "m/empty"])
        #expect(try zip.contents(ofRecord: "m/stored") == Array(0..<200).map { UInt8($0) })
        #expect(try zip.contents(ofRecord: "m/deflated") == text)
        #expect(try zip.contents(ofRecord: "m/empty").isEmpty)
        let deflated = try #require(zip.entry(named: "m/deflated"))
        #expect(deflated.method == .deflated && deflated.compressedSize < text.count)
        let mapped = try zip.storedBytes(of: try #require(zip.entry(named: "m/stored")))
        #expect(Int(bitPattern: mapped.baseAddress) % 64 == 0, "payloads are 64-byte aligned as PyTorch writes them")
    }

    @Test func damagedPayloadFailsItsChecksum() throws {
        var writer = TestZipWriter()
        writer.records = [.init(name: "m/a", contents: Array(repeating: 7, count: 100))]
        let path = try write(writer)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[64 + 10] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect(throws: ZipError.self) { try ZipArchive(path: path).contents(ofRecord: "m/a") }
    }

    @Test func declaredSizeMustMatchTheDeflateStream() throws {
        for declared in [10, 5000, 1 << 31] {
            var writer = TestZipWriter()
            writer.records = [.init(name: "m/a", contents: Array(repeating: 65, count: 1000), deflate: true, declaredSize: declared)]
            let path = try write(writer)
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(throws: ZipError.self) { try ZipArchive(path: path).contents(ofRecord: "m/a", verifyChecksum: false) }
        }
    }

    @Test func notAZip() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("flint-notzip").path
        try Data("hello world, this is not a zip at all".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try ZipArchive(path: path)
            Issue.record("opened")
        } catch let error as ZipError {
            #expect(error.kind == .notZip)
        }
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        let value = Array("123456789".utf8).withUnsafeBytes { CRC32.checksum($0) }
        #expect(value == 0xCBF4_3926)
    }
}
