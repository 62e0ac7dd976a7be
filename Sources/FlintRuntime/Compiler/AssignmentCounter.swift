import FlintScript

/// Counts the assignments to each name in a function body, for constant propagation: a name assigned
/// exactly once from a constant is that constant everywhere after its assignment.
enum AssignmentCounter {
    static func counts(in body: [Statement]) -> [String: Int] {
        var counts: [String: Int] = [:]
        func target(_ expression: Expression, weight: Int) {
            switch expression.kind {
            case .name(let name): counts[name, default: 0] += weight
            case .tuple(let items), .list(let items): items.forEach { target($0, weight: weight) }
            case .starred(let inner): target(inner, weight: weight)
            default: break
            }
        }
        func walk(_ statements: [Statement]) {
            for statement in statements {
                switch statement.kind {
                case .assign(let targets, _): targets.forEach { target($0, weight: 1) }
                case .annotatedAssign(let t, _, let value): if value != nil { target(t, weight: 1) }
                case .augmentedAssign(let t, _, _): target(t, weight: 2)
                case .forLoop(let t, _, let body):
                    target(t, weight: 2)
                    walk(body)
                case .ifStatement(_, let then, let otherwise):
                    walk(then)
                    walk(otherwise)
                case .whileLoop(_, let body): walk(body)
                case .with(let items, let body):
                    for (_, name) in items { if let name { target(name, weight: 2) } }
                    walk(body)
                default: break
                }
            }
        }
        walk(body)
        return counts
    }
}
