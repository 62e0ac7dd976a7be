import FlintLoader
import FlintOperators

/// The operators a model's code calls, found by compiling it (what `flint inspect --ops` reports, so users
/// know before deploying whether Flint runs a model).
package struct OperatorSurvey: Sendable {
    package struct Use: Sendable {
        package init(name: String, schema: String, callSites: Int, supported: Bool) {
            self.name = name
            self.schema = schema
            self.callSites = callSites
            self.supported = supported
        }

        /// `aten::add.Tensor`, or just `aten::add` for calls resolved at run time.
        package let name: String
        /// torch's schema text (the operator name alone for run-time-resolved calls).
        package let schema: String
        package let callSites: Int
        package let supported: Bool
    }

    /// Uses sorted by name.
    package let uses: [Use]

    package var missing: [Use] { uses.filter { !$0.supported } }

    /// A survey of uses found another way (the nodes of a torch.export program).
    package init(uses: [Use]) {
        self.uses = uses.sorted { $0.name < $1.name }
    }

    /// Compiles every method the root module exposes (and what they call) without running anything.
    /// Throws ``CompileError`` when the code uses a construct Flint cannot compile.
    package init(model: ScriptModel) throws {
        let program = try Program(model: model, registry: .standard, surveyOnly: true)
        uses = program.operatorUses.map { name, use in
            Use(name: name, schema: TorchSchemaTable.textByQualifiedName[name] ?? name, callSites: use.count, supported: use.implemented)
        }.sorted { $0.name < $1.name }
    }
}
