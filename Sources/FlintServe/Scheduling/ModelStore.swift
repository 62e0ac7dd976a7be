import Synchronization

/// Every model version the server serves, and whether the server is ready.
///
/// Triton's version rules: a request without a version goes to the highest served version and says so in
/// `model_version`; a request naming a version that is not served is refused (404 / NOT_FOUND), never
/// answered by another version.
package final class ModelStore: Sendable {
    private struct State {
        /// name → version → model, filled as versions load.
        var models: [String: [Int: ServedModel]] = [:]
        /// name → the versions the repository declares (known before they load).
        var declared: [String: [Int]] = [:]
        var ready = false
        var draining = false
    }

    private let state = Mutex(State())

    package init() {}

    /// Records the repository's models before they load, so that metadata and readiness can name them.
    package func declare(_ entries: [RepositoryModel]) {
        state.withLock { state in
            for entry in entries { state.declared[entry.name] = entry.versions.map(\.number) }
        }
    }

    package func add(_ model: ServedModel) {
        state.withLock { $0.models[model.name, default: [:]][model.version] = model }
    }

    /// Marks the server ready (every model loaded) or not (loading, or shutting down).
    package func setReady(_ ready: Bool) { state.withLock { $0.ready = ready } }

    /// Ready for inference: every model loaded and no shutdown under way.
    package var isReady: Bool { state.withLock { $0.ready && !$0.draining } }

    /// Model names, sorted.
    package var modelNames: [String] { state.withLock { $0.declared.keys.sorted() } }

    /// The versions a model serves, ascending; nil for a model the repository does not hold.
    package func versions(of name: String) -> [Int]? { state.withLock { $0.declared[name] } }

    /// The model version a request names (nil or "" for the highest). Throws `notFound` for unknown models
    /// and versions, `invalidArgument` for a version that is not a number, and `unavailable` for a version
    /// still loading.
    package func model(_ name: String, version: String?) throws -> ServedModel {
        try state.withLock { state in
            guard let versions = state.declared[name] else {
                throw ServeError.notFound("unknown model '\(name)'")
            }
            let number: Int
            if let version, !version.isEmpty {
                guard let parsed = Int(version), parsed > 0 else {
                    throw ServeError.invalidArgument("model '\(name)': version '\(version)' is not a positive integer")
                }
                guard versions.contains(parsed) else {
                    throw ServeError.notFound("model '\(name)' has no version \(parsed) (serving: \(versions.map(String.init).joined(separator: ", ")))")
                }
                number = parsed
            } else {
                number = versions.last!
            }
            guard let model = state.models[name]?[number] else {
                throw ServeError.unavailable("model '\(name)' version \(number) is not loaded yet")
            }
            return model
        }
    }

    /// Stops readiness and finishes every queued request of every model.
    package func drain() async {
        let models = state.withLock { state -> [ServedModel] in
            state.draining = true
            return state.models.values.flatMap(\.values)
        }
        for model in models { await model.drain() }
    }
}
