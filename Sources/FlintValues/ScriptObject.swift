import FlintScript

/// A TorchScript class as the archive declares it in `code/`: name, kind, attribute slots and methods.
package final class ClassType: Sendable {
    /// Fully qualified name, e.g. `__torch__.torchvision.models.resnet.ResNet`.
    package let qualifiedName: String
    /// The `code/` record that defines it.
    package let sourceRecord: String
    package let outline: SourceOutline.Class
    private let slotIndexByName: [String: Int]

    package init(qualifiedName: String, sourceRecord: String, outline: SourceOutline.Class) {
        self.qualifiedName = qualifiedName
        self.sourceRecord = sourceRecord
        self.outline = outline
        var index: [String: Int] = [:]
        for (i, attribute) in outline.attributes.enumerated() where index[attribute.name] == nil {
            index[attribute.name] = i
        }
        slotIndexByName = index
    }

    /// The unqualified class name.
    package var name: String { outline.name }
    package var isModule: Bool { outline.kind == .module }
    /// Attribute slots in declaration order.
    package var attributes: [SourceOutline.Attribute] { outline.attributes }

    /// The slot index of attribute `name`.
    package func slotIndex(of name: String) -> Int? { slotIndexByName[name] }

    /// Methods that are callable as methods (hooks are kept apart, as libtorch does).
    package var methods: [String] {
        let hooks = Set(outline.forwardHooks + outline.forwardPreHooks)
        return outline.methods.filter { !hooks.contains($0) }
    }

    /// Whether loading must run the class's `__setstate__` on the pickled state.
    package var hasSetState: Bool { outline.methods.contains("__setstate__") }
}

/// An instance of a TorchScript class or module: one value per attribute slot.
package final class ScriptObject: @unchecked Sendable {
    package let type: ClassType
    package var slots: [ScriptValue]
    /// For classes with `__setstate__`: the pickled state, waiting for the interpreter to apply it.
    package var pendingState: ScriptValue?
    /// For a TorchBind class (``TorchBindClass``): the native object libtorch implements in C++, e.g. packed
    /// quantized weights.
    package var native: AnyObject?

    package init(type: ClassType) {
        self.type = type
        slots = Array(repeating: .none, count: type.attributes.count)
    }

    /// The value of attribute `name`, if the class declares it.
    package func attribute(_ name: String) -> ScriptValue? {
        type.slotIndex(of: name).map { slots[$0] }
    }
}
