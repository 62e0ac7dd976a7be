import FlintValues
/// Whole-graph checks on loaded values that must not recurse, because a hostile archive controls the graph.
enum ValueGraph {
    /// Throws when objects, lists and dicts nest deeper than `limit` along any path (the longest one, since
    /// releasing a graph can walk any path), or when the graph has a cycle (which libtorch's writer never
    /// produces, and which would make every later walk endless). Iterative post-order walk; shared nodes
    /// are measured once.
    static func checkHeight(of root: ScriptValue, limit: Int) throws {
        var heights: [ObjectIdentifier: Int] = [:]
        var onPath = Set<ObjectIdentifier>()
        var frames: [(id: ObjectIdentifier, children: [AnyObject], next: Int, height: Int)] = []
        func enter(_ node: AnyObject) throws {
            let id = ObjectIdentifier(node)
            guard !onPath.contains(id) else {
                throw LoadError(.corrupt, "a \(describe(node)) contains itself (the value graph has a cycle)")
            }
            guard heights[id] == nil else { return }
            guard frames.count < limit else {
                throw LoadError(.corrupt, "objects and containers nest more than \(limit) deep")
            }
            onPath.insert(id)
            frames.append((id, references(in: node), 0, 0))
        }
        for node in references(inValue: root) { try enter(node) }
        while !frames.isEmpty {
            let top = frames.count - 1
            if frames[top].next < frames[top].children.count {
                let child = frames[top].children[frames[top].next]
                frames[top].next += 1
                if let known = heights[ObjectIdentifier(child)] {
                    frames[top].height = max(frames[top].height, known)
                } else {
                    try enter(child)
                }
                continue
            }
            let finished = frames.removeLast()
            let height = finished.height + 1
            heights[finished.id] = height
            onPath.remove(finished.id)
            if let parent = frames.indices.last { frames[parent].height = max(frames[parent].height, height) }
        }
    }

    private static func describe(_ node: AnyObject) -> String {
        switch node {
        case let object as ScriptObject: "\(object.type.qualifiedName) object"
        case is ScriptList: "list"
        default: "dict"
        }
    }

    /// The reference-type nodes directly inside a node (tuples and enum members are looked through).
    private static func references(in node: AnyObject) -> [AnyObject] {
        switch node {
        case let object as ScriptObject:
            return (object.slots + [object.pendingState ?? .none]).flatMap(references(inValue:))
        case let list as ScriptList:
            return list.elements.flatMap(references(inValue:))
        case let dict as ScriptDict:
            return (dict.keys + dict.values).flatMap(references(inValue:))
        default:
            return []
        }
    }

    private static func references(inValue value: ScriptValue) -> [AnyObject] {
        var found: [AnyObject] = []
        var pending = [value]
        while let next = pending.popLast() {
            switch next {
            case .object(let o): found.append(o)
            case .list(let l): found.append(l)
            case .dict(let d): found.append(d)
            case .tuple(let elements): pending.append(contentsOf: elements)
            case .enumValue(let member): pending.append(member.value)
            default: continue
            }
        }
        return found
    }

    /// Empties every object, list and dict in `references` so that releasing them frees each one on its own,
    /// never through a chain of nested deinitialisers.
    static func tearDown(_ references: [AnyObject]) {
        for reference in references {
            switch reference {
            case let object as ScriptObject:
                object.slots = []
                object.pendingState = nil
            case let list as ScriptList:
                list.elements = []
            case let dict as ScriptDict:
                dict.keys = []
                dict.values = []
            default:
                continue
            }
        }
    }
}
