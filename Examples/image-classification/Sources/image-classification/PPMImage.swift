import Flint
import Foundation

/// A binary PPM (`P6`, 8 bits per channel) image, the simplest RGB format: `convert photo.jpg photo.ppm`
/// (ImageMagick) or `PIL.Image.open(...).save("photo.ppm")` writes one.
struct PPMImage {
    let width: Int
    let height: Int
    /// Interleaved RGB bytes, row by row.
    let pixels: [UInt8]

    enum Failure: Error, CustomStringConvertible {
        case unreadable(String), malformed(String)
        var description: String {
            switch self {
            case .unreadable(let path): "cannot read \(path)"
            case .malformed(let why): "not a binary PPM (P6) image: \(why)"
            }
        }
    }

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure.unreadable(path) }
        let bytes = [UInt8](data)
        var position = 0
        func token() throws -> String {
            // Skip whitespace and `#` comments, then read up to the next whitespace.
            while position < bytes.count {
                if bytes[position] == UInt8(ascii: "#") {
                    while position < bytes.count && bytes[position] != 0x0A { position += 1 }
                } else if [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) {
                    position += 1
                } else {
                    break
                }
            }
            let start = position
            while position < bytes.count && ![0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
        guard try token() == "P6" else { throw Failure.malformed("missing the P6 header") }
        guard let width = Int(try token()), let height = Int(try token()), let maximum = Int(try token()),
            width > 0, height > 0, width <= 1 << 15, height <= 1 << 15
        else { throw Failure.malformed("bad size") }
        guard maximum == 255 else { throw Failure.malformed("only 8-bit channels (maxval 255) are supported") }
        position += 1  // the single whitespace byte before the pixels
        let count = width * height * 3
        guard bytes.count - position >= count else { throw Failure.malformed("truncated pixel data") }
        self.width = width
        self.height = height
        pixels = Array(bytes[position..<(position + count)])
    }

    /// The image as a `[1, 3, height, width]` uint8 tensor (channels first, as torchvision's `to_image`).
    func tensor() throws -> Tensor {
        let interleaved = try Tensor(shape: [height, width, 3], scalars: pixels)
        return try interleaved.permute([2, 0, 1]).contiguous().unsqueeze(0)
    }
}
