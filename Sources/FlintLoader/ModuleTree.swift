import FlintValues
import FlintTensor

/// A tensor of a module's state, with its dotted name and role.
package struct NamedTensor: Sendable {
    package enum Role: String, Sendable {
        case parameter
        case buffer
    }

    package let name: String
    package let tensor: Tensor
    package let role: Role
}

extension ScriptObject {
    /// Submodules in slot order (attributes whose value is a module object).
    package var namedChildren: [(name: String, module: ScriptObject)] {
        zip(type.attributes, slots).compactMap { attribute, value in
            guard case .object(let child) = value, child.type.isModule else { return nil }
            return (attribute.name, child)
        }
    }

    /// This module's own parameters and buffers in slot order, as libtorch's `named_parameters`/`named_buffers`
    /// list them (`module.h` slot policies): parameters first, then buffers; slots holding None are skipped.
    package var ownTensors: [NamedTensor] {
        let parameters = Set(type.outline.parameterNames)
        let buffers = Set(type.outline.bufferNames)
        var parameterEntries: [NamedTensor] = []
        var bufferEntries: [NamedTensor] = []
        for (attribute, value) in zip(type.attributes, slots) {
            guard case .tensor(let tensor) = value else { continue }
            if parameters.contains(attribute.name) {
                parameterEntries.append(NamedTensor(name: attribute.name, tensor: tensor, role: .parameter))
            } else if buffers.contains(attribute.name) {
                bufferEntries.append(NamedTensor(name: attribute.name, tensor: tensor, role: .buffer))
            }
        }
        return parameterEntries + bufferEntries
    }

    /// Every parameter and buffer of this module and its submodules, in `state_dict()` order with PyTorch's
    /// dotted names. A submodule reachable under two names appears under both, as in PyTorch. Throws when
    /// shared submodules unfold to more than `limit` entries (only a hostile archive does that).
    package func stateDict(limit: Int = 1 << 22) throws -> [NamedTensor] {
        var result: [NamedTensor] = []
        var visits = 0
        func walk(_ module: ScriptObject, _ prefix: String) throws {
            visits += 1
            guard visits + result.count <= limit else {
                throw LoadError(.corrupt, "shared submodules unfold to more than \(limit) state entries")
            }
            result += module.ownTensors.map { NamedTensor(name: prefix + $0.name, tensor: $0.tensor, role: $0.role) }
            for (name, child) in module.namedChildren { try walk(child, prefix + name + ".") }
        }
        try walk(self, "")
        return result
    }
}
