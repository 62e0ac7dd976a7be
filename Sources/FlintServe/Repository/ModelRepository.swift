import FlintServingProtocol
import SwiftProtobuf

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A model directory of a Triton model repository: `DIR/<model>/[config.pbtxt]` and `DIR/<model>/<N>/model.pt`,
/// read and checked before anything loads.
package struct RepositoryModel: Sendable {
    package var name: String
    /// `config.pbtxt`, parsed with swift-protobuf's text format into Triton's `ModelConfig`; nil without one.
    package var config: Inference_ModelConfig?
    /// The versions the version policy serves, ascending, with the archive each loads.
    package var versions: [(number: Int, archive: String)]

    /// Dynamic batching settings, when the config enables it.
    package var batching: BatchingPolicy? {
        guard let config, case .dynamicBatching(let settings)? = config.schedulingChoice, config.maxBatchSize > 0 else { return nil }
        return BatchingPolicy(
            maxBatchSize: Int(config.maxBatchSize),
            preferredBatchSizes: settings.preferredBatchSize.map(Int.init).filter { $0 > 0 && $0 <= Int(config.maxBatchSize) }.sorted(),
            maxQueueDelay: .microseconds(Int64(clamping: settings.maxQueueDelayMicroseconds)))
    }

    /// The queue bound the config asks for (`dynamic_batching.default_queue_policy.max_queue_size`), if any.
    package var configuredQueueLimit: Int? {
        guard let config, case .dynamicBatching(let settings)? = config.schedulingChoice,
              settings.hasDefaultQueuePolicy, settings.defaultQueuePolicy.maxQueueSize > 0 else { return nil }
        return Int(settings.defaultQueuePolicy.maxQueueSize)
    }

    /// How many copies of the model run at once (`instance_group` counts; 1 without).
    package var instanceCount: Int {
        let total = config?.instanceGroup.reduce(0) { $0 + max(Int($1.count), 1) } ?? 0
        return max(total, 1)
    }
}

/// Reading a Triton-layout model repository.
package enum ModelRepository {
    /// The platforms whose models are TorchScript archives.
    static let torchScriptPlatforms: Set<String> = ["", "pytorch_libtorch", "pytorch_torchscript"]

    /// Every model directory under `directory`, sorted by name. Hidden entries and plain files are skipped.
    /// Throws ``RepositoryError`` for a missing directory, an unparsable or inconsistent config, a model with
    /// no version to serve, or a platform Flint does not run.
    package static func scan(_ directory: String) throws -> [RepositoryModel] {
        let manager = FileManager.default
        guard isDirectory(directory) else {
            throw RepositoryError("model repository '\(directory)' is not a directory")
        }
        let names = try manager.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix(".") }.sorted()
        var models: [RepositoryModel] = []
        for name in names {
            let path = directory + "/" + name
            guard isDirectory(path) else { continue }
            models.append(try readModel(name: name, path: path))
        }
        if models.isEmpty { throw RepositoryError("model repository '\(directory)' holds no model directories") }
        return models
    }

    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    static func readModel(name: String, path: String) throws -> RepositoryModel {
        let manager = FileManager.default
        var config: Inference_ModelConfig?
        let configPath = path + "/config.pbtxt"
        if manager.fileExists(atPath: configPath) {
            guard let data = manager.contents(atPath: configPath), let text = String(data: data, encoding: .utf8) else {
                throw RepositoryError("model '\(name)': cannot read \(configPath)")
            }
            do {
                config = try Inference_ModelConfig(textFormatString: text)
            } catch {
                throw RepositoryError("model '\(name)': \(configPath) is not a valid model configuration: \(error)")
            }
        }
        if let config {
            if !config.name.isEmpty && config.name != name {
                throw RepositoryError("model '\(name)': config.pbtxt names it '\(config.name)'; the name must match the directory")
            }
            guard torchScriptPlatforms.contains(config.platform), ["", "pytorch"].contains(config.backend) else {
                let what = config.platform.isEmpty ? "backend '\(config.backend)'" : "platform '\(config.platform)'"
                throw RepositoryError("model '\(name)': \(what) is not served by Flint (it serves pytorch_libtorch TorchScript archives)")
            }
            if config.maxBatchSize < 0 { throw RepositoryError("model '\(name)': max_batch_size must not be negative") }
        }
        // `default_model_filename` when the config names one; otherwise model.pt (TorchScript), or model.pt2 (a
        // torch.export program) in a version directory without model.pt.
        let fileNames = config.flatMap { $0.defaultModelFilename.isEmpty ? nil : [$0.defaultModelFilename] } ?? ["model.pt", "model.pt2"]
        var available: [Int: String] = [:]
        for entry in try manager.contentsOfDirectory(atPath: path) {
            guard let number = Int(entry), number > 0, String(number) == entry else { continue }
            if let file = fileNames.first(where: { manager.fileExists(atPath: "\(path)/\(entry)/\($0)") }) { available[number] = file }
        }
        let served = try applyVersionPolicy(config?.versionPolicy, available: available.keys.sorted(), model: name)
        guard !served.isEmpty else {
            throw RepositoryError("model '\(name)': no version directory <N>/\(fileNames.joined(separator: " or ")) to serve under \(path)")
        }
        return RepositoryModel(name: name, config: config, versions: served.map { ($0, "\(path)/\($0)/\(available[$0]!)") })
    }

    /// Triton's version policies: `latest { num_versions }` (the default, 1), `all`, `specific { versions }`.
    static func applyVersionPolicy(_ policy: Inference_ModelVersionPolicy?, available: [Int], model: String) throws -> [Int] {
        switch policy?.policyChoice {
        case .all?:
            return available
        case .specific(let specific)?:
            let wanted = specific.versions.map(Int.init)
            if let absent = wanted.first(where: { !available.contains($0) }) {
                throw RepositoryError("model '\(model)': version_policy names version \(absent), which has no archive")
            }
            return available.filter(wanted.contains)
        case .latest(let latest)?:
            return Array(available.suffix(max(Int(latest.numVersions), 1)))
        case nil:
            return Array(available.suffix(1))
        }
    }
}

/// A model repository that cannot be served as it is.
package struct RepositoryError: Error, CustomStringConvertible, Sendable {
    package let description: String
    init(_ description: String) { self.description = description }
}
