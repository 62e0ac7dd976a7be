import FlintOperators

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A rewrite of a graph. A pass must leave the graph computing the same results: it checks everything a
/// rewrite relies on before changing anything, and a rewrite it cannot complete leaves the graph as it was.
package protocol GraphPass {
    /// The name `inspect --graph --optimized` reports.
    var name: String { get }
    /// Rewrites `graph` in place; returns how many rewrites it made.
    func run(on graph: Graph) -> Int
}

/// The passes, in order, each then checked by the verifier.
///
/// To add a pass: write a `GraphPass` in `Passes/`, add it to ``GraphOptimizer/standardPasses`` where its
/// inputs are ready (folding before fusion), and add a case to the graph tests that fails without it.
package struct GraphOptimizer: Sendable {
    package static var standardPasses: [any GraphPass] {
        [
            DeadCodeElimination(), NoOpElimination(), LinearRecognition(), EpilogueFusion(), BatchNormFolding(), AttentionWeightPacking(),
            RecurrentWeightPacking(), ConstantFolding(), DeadCodeElimination(),
        ]
    }

    package init() {}

    /// `FLINT_GRAPH_SKIP=fusion,folding`: passes whose names contain one of these words are not run (to
    /// measure what each pass is worth, or to rule one out when results look wrong).
    static let skipped: [String] = getenv("FLINT_GRAPH_SKIP").map { String(cString: $0).split(separator: ",").map(String.init) } ?? []

    /// Optimises `graph` in place, recording what each pass did in its log. Returns nil when a pass left
    /// the graph invalid (a bug in that pass): the caller then interprets the method rather than run it.
    package func optimize(_ graph: Graph) -> Graph? {
        guard GraphVerifier.check(graph) == nil else { return nil }
        for pass in Self.standardPasses where !Self.skipped.contains(where: { !$0.isEmpty && pass.name.contains($0) }) {
            let start = OperatorProfiler.now()
            let rewrites = pass.run(on: graph)
            let milliseconds = (OperatorProfiler.now() - start) * 1000
            // The time too where it is worth reading: folding and packing are most of a large model's first call.
            if rewrites > 0 { graph.log.append("\(pass.name): \(rewrites)" + (milliseconds >= 1 ? " in \(Int(milliseconds.rounded())) ms" : "")) }
            if let problem = GraphVerifier.check(graph) {
                graph.log.append("\(pass.name) broke the graph: \(problem)")
                return nil
            }
        }
        graph.dropUnreadConstants()
        return graph
    }
}

/// Removes nodes whose results nothing reads. In-place operators are kept (they write a value others read).
struct DeadCodeElimination: GraphPass {
    let name = "dead code"

    func run(on graph: Graph) -> Int {
        var removed = 0
        var changed = true
        while changed {
            changed = false
            let uses = graph.useCounts()
            let before = graph.nodes.count
            graph.nodes.removeAll { node in
                !node.isInPlace && node.outputValues.allSatisfy { uses[$0.index] == 0 } && !node.op.hasPrefix("prim::Raise")
            }
            if graph.nodes.count < before {
                removed += before - graph.nodes.count
                changed = true
            }
        }
        return removed
    }
}
