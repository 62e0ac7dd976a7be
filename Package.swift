// swift-tools-version: 6.1
import PackageDescription

/// Flint: a pure-Swift runtime for PyTorch's TorchScript archives.
///
/// Targets form a one-way stack (see README "Layout"):
///   CZlib ─ FlintZip ─┐
///   FlintPickle ──────┼─ FlintLoader ─ Flint ─ flint (CLI)
///   FlintTensor ──────┤
///   FlintScript ──────┘
/// FlintTensor knows nothing of archives or scripts; FlintScript knows nothing of tensors;
/// FlintPickle knows nothing of tensors or TorchScript.
let package = Package(
    name: "Flint",
    platforms: [.macOS(.v13), .iOS(.v16)],
    products: [
        .library(name: "Flint", targets: ["Flint"]),
        .executable(name: "flint", targets: ["FlintCLI"]),
        .executable(name: "flint-fuzz", targets: ["FlintFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .target(name: "FlintZip", dependencies: ["CZlib"]),
        .target(name: "FlintPickle"),
        .target(name: "CFlintKernels"),
        .target(
            name: "FlintTensor",
            dependencies: ["CFlintKernels", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .target(name: "FlintScript"),
        .target(name: "FlintValues", dependencies: ["FlintTensor", "FlintScript"]),
        .target(name: "FlintOperators", dependencies: ["FlintValues", "FlintTensor", "FlintScript"]),
        .target(name: "FlintGraph", dependencies: ["FlintOperators", "FlintValues", "FlintTensor"]),
        .target(name: "FlintRuntime", dependencies: ["FlintGraph", "FlintOperators", "FlintLoader", "FlintValues", "FlintScript", "FlintTensor"]),
        .target(name: "FlintNumPy", dependencies: ["FlintZip", "FlintTensor"]),
        .target(
            name: "FlintLoader",
            dependencies: ["FlintZip", "FlintPickle", "FlintTensor", "FlintScript", "FlintValues"]
        ),
        .target(name: "Flint", dependencies: ["FlintGraph", "FlintRuntime", "FlintOperators", "FlintLoader", "FlintValues", "FlintNumPy", "FlintTensor"]),
        .executableTarget(
            name: "FlintCLI",
            dependencies: [
                "Flint", "FlintNumPy", "FlintValues",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "FlintFuzz", dependencies: ["FlintLoader"]),
        .target(name: "FlintTestSupport", dependencies: ["FlintZip", "CZlib"], path: "Tests/FlintTestSupport"),
        .testTarget(name: "FlintZipTests", dependencies: ["FlintZip", "FlintTestSupport"]),
        .testTarget(name: "FlintPickleTests", dependencies: ["FlintPickle"]),
        .testTarget(name: "FlintTensorTests", dependencies: ["FlintTensor", "FlintOperators", "FlintValues", "FlintNumPy", "FlintLoader", "FlintTestSupport"]),
        .testTarget(name: "FlintLoaderTests", dependencies: ["FlintLoader", "FlintRuntime", "FlintTensor", "FlintTestSupport"]),
        .testTarget(name: "FlintRuntimeTests", dependencies: ["FlintRuntime", "FlintGraph", "FlintOperators", "FlintLoader", "FlintValues", "FlintTensor", "FlintTestSupport"]),
        .testTarget(name: "FlintAPITests", dependencies: ["Flint", "FlintTestSupport"]),
        .testTarget(name: "FlintCLITests", dependencies: ["FlintTestSupport", "FlintNumPy", "FlintTensor"]),
        .testTarget(name: "FlintScriptTests", dependencies: ["FlintScript", "FlintOperators", "FlintLoader", "FlintTestSupport"]),
    ]
)
