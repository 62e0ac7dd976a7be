extension OperatorRegistry {
    /// The Markdown table of every implemented overload that torch's schema table has, grouped by
    /// namespace and operator (`docs/SUPPORTED_OPERATORS.md` is this text; a test keeps it current).
    package func supportTable(header: String) -> String {
        var byOperator: [String: [String]] = [:]
        for name in implementedNames where TorchSchemaTable.textByQualifiedName[name] != nil || extraSchemaNames.contains(name) {
            let base = String(name.prefix { $0 != "." })
            let overload = name.count > base.count ? String(name.dropFirst(base.count + 1)) : "(default)"
            byOperator[base, default: []].append(overload)
        }
        let namespaces = Set(byOperator.keys.map { String($0.prefix { $0 != ":" }) }).sorted()
        let overloadCount = byOperator.values.reduce(0) { $0 + $1.count }
        let coverage = SchemaCoverage(of: self)
        var out = header
        out += "\n\(overloadCount) overloads of \(byOperator.count) operators.\n"
        out += "\n**Coverage of torch \(TorchSchemaTable.torchVersion)'s schema table:** \(coverage.implemented) of \(coverage.considered) overloads"
        let tenths = Int((coverage.percent * 10).rounded(.down))
        out += " (\(tenths / 10).\(tenths % 10)%)."
        if !coverage.refused.isEmpty {
            out += " Not counted: \(coverage.refused.map { "`\($0)`" }.joined(separator: ", ")), which load but refuse every call."
        }
        out += " Out of the count (\(coverage.excluded.values.reduce(0, +)) overloads, implemented or not):\n"
        for exclusion in CoverageExclusion.allCases {
            out += "- \(exclusion.reason) (\(coverage.excluded[exclusion] ?? 0)).\n"
        }
        for namespace in namespaces {
            let names = byOperator.keys.filter { $0.hasPrefix(namespace + "::") }.sorted()
            out += "\n## \(namespace)\n\n| operator | overloads |\n| --- | --- |\n"
            for name in names {
                let overloads = byOperator[name]!.sorted().map { "`\($0)`" }.joined(separator: ", ")
                out += "| `\(name)` | \(overloads) |\n"
            }
        }
        return out
    }
}
