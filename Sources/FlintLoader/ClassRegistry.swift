import FlintValues
import FlintScript

/// Finds the classes an archive's pickles name in its `code/` records, outlining each source file once.
///
/// `__torch__.a.b.C` lives in `code/__torch__/a/b.py` (libtorch's `import_export_helpers.cpp`).
package final class ClassRegistry: @unchecked Sendable {
    private let archive: TorchScriptArchive
    private var outlines: [String: SourceOutline] = [:]
    private var classes: [String: ClassType] = [:]

    init(archive: TorchScriptArchive) {
        self.archive = archive
    }

    /// The class with this qualified name. Throws when its code record or its `class` statement is missing.
    package func classType(_ qualifiedName: String) throws -> ClassType {
        if let known = classes[qualifiedName] { return known }
        guard let dot = qualifiedName.lastIndex(of: ".") else {
            throw LoadError(.corrupt, "class name '\(qualifiedName)' has no namespace")
        }
        let namespace = String(qualifiedName[..<dot])
        let name = String(qualifiedName[qualifiedName.index(after: dot)...])
        if namespace.hasPrefix("__torch__.torch.classes.") || namespace == "__torch__.torch.classes" {
            if let native = TorchBindClass(qualifiedName: qualifiedName) { return native.classType }
            throw LoadError(
                .unsupported,
                "TorchBind class \(qualifiedName) is implemented in C++ inside libtorch (no TorchScript code); Flint has no native implementation of it")
        }
        let record = Self.codeRecord(forNamespace: namespace)
        let outline = try outline(of: record, namespace: namespace)
        guard let cls = outline.class(named: name) else {
            throw LoadError(.corrupt, "no class \(name) is defined there (needed for \(qualifiedName))", record: record)
        }
        let type = ClassType(qualifiedName: qualifiedName, sourceRecord: record, outline: cls)
        classes[qualifiedName] = type
        return type
    }

    /// `code/` record path of a namespace: `__torch__.a.b` → `code/__torch__/a/b.py`.
    package static func codeRecord(forNamespace namespace: String) -> String {
        "code/" + namespace.split(separator: ".", omittingEmptySubsequences: false).joined(separator: "/") + ".py"
    }

    private func outline(of record: String, namespace: String) throws -> SourceOutline {
        if let known = outlines[record] { return known }
        guard archive.hasRecord(record) else {
            throw LoadError(.corrupt, "the archive has no code for namespace \(namespace)", record: record)
        }
        let text = String(decoding: try archive.contents(of: record), as: UTF8.self)
        do {
            let outline = try SourceOutline(text: text)
            outlines[record] = outline
            return outline
        } catch let error as OutlineError {
            throw LoadError(.corrupt, "malformed code: \(error.description)", record: record)
        }
    }
}
