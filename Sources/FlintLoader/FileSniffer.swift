import FlintZip

/// Says what a file is when it is not a TorchScript archive, so errors can name it.
enum FileSniffer {
    /// Describes a file that has no zip structure.
    static func describeNonZip(_ bytes: UnsafeRawBufferPointer) -> String {
        if bytes.isEmpty { return "the file is empty" }
        if bytes.count >= 8, bytes.starts(with: Array("PYTORCH1".utf8)) {
            return "this is a pre-1.0 PyTorch file (PYTORCH1 format), not a zip"
        }
        if bytes.count >= 8, bytes[4...7].elementsEqual("PTMF".utf8) {
            return "this is a PyTorch Mobile flatbuffer module, not a zip"
        }
        if let onnx = describeONNX(bytes) { return onnx }
        if bytes.count >= 8, bytes[4] == UInt8(ascii: "E"), bytes[5] == UInt8(ascii: "T"),
            bytes[6...7].allSatisfy({ (0x30...0x39).contains($0) })
        {
            return "this is an ExecuTorch program (.pte), which Flint does not run; Flint runs TorchScript archives (torch.jit.save)"
        }
        if bytes.count >= 2, bytes[0] == 0x80, (2...5).contains(bytes[1]) {
            return "this is a raw pickle (a legacy torch.save file), not a zip"
        }
        if bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4B {
            return "this file starts like a zip but has no end-of-central-directory record (truncated or damaged)"
        }
        return "this is not a zip file"
    }

    /// Describes a zip whose entries are not all inside one top folder.
    static func describeZip(_ zip: ZipArchive) -> String {
        zip.entries.isEmpty
            ? "this is an empty zip archive"
            : "this is a zip archive but not a TorchScript archive (its entries are not inside one top folder)"
    }

    /// For a zip with a top folder, the kind of non-TorchScript file its record names reveal, or nil.
    static func nonTorchScriptKind(recordNames names: Set<String>) -> String? {
        if names.contains("archive_format") || names.contains("models/model.json") {
            return "this is a torch.export program (.pt2, written by torch.export.save), not a TorchScript archive; "
                + "load it with Flint.load or the flint command, which read both"
        }
        if names.contains("model.json") {
            return "this is a legacy TorchScript archive (model.json, PyTorch 1.0-1.2), which Flint does not read"
        }
        if names.contains("data.pkl"), !names.contains("constants.pkl") {
            return "this is a torch.save file (a pickled state dict or object), not a TorchScript archive (save the model with torch.jit.save instead)"
        }
        if names.contains("bytecode.pkl"), !names.contains("data.pkl") {
            return "this is a lite-interpreter archive without its source, which Flint does not read"
        }
        if !names.contains("data.pkl") || !names.contains("constants.pkl") {
            return "this is a zip archive but not a TorchScript archive (it has no data.pkl/constants.pkl)"
        }
        return nil
    }

    /// An ONNX `ModelProto` starts with `ir_version` (field 1, varint) followed by the producer name, producer
    /// version, domain, model version, doc string, graph or opset imports (fields 2 to 8).
    private static func describeONNX(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard bytes.count >= 4, bytes[0] == 0x08, (1...30).contains(bytes[1]) else { return nil }
        let tag = bytes[2]
        guard [0x12, 0x1A, 0x22, 0x28, 0x32, 0x3A, 0x42].contains(tag) else { return nil }
        var producer = ""
        if tag == 0x12, bytes[3] < 0x80, bytes.count >= 4 + Int(bytes[3]) {
            producer = String(decoding: bytes[4..<(4 + Int(bytes[3]))], as: UTF8.self)
        }
        let origin = producer.isEmpty ? "" : " (produced by \(producer.prefix(40)))"
        return "this is an ONNX model\(origin), not a TorchScript archive; Flint runs PyTorch archives (torch.jit.save)"
    }
}
