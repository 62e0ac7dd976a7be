// swift-tools-version: 6.1
import PackageDescription

/// Flint: a pure-Swift runtime for PyTorch's TorchScript archives.
///
/// Targets form a one-way stack (README "Layout" has every target and what it depends on): archive readers
/// (FlintZip, FlintPickle), the tensor library (FlintTensor), the language (FlintScript), runtime values
/// (FlintValues), operators (FlintOperators), the loader, the graph compiler and runtime, then `Flint`, the public
/// API. Two library products: `Flint`, and `FlintServe` (the KServe v2 / Triton server, built on Flint's public
/// API). The `flint` CLI imports those two only. FlintTensor knows nothing of archives or scripts; FlintScript
/// knows nothing of tensors; FlintPickle knows nothing of tensors or TorchScript.
let package = Package(
    name: "Flint",
    platforms: [.macOS(.v15), .iOS(.v18)],
    products: [
        .library(name: "Flint", targets: ["Flint"]),
        .library(name: "FlintServe", targets: ["FlintServe"]),
        .executable(name: "flint", targets: ["FlintCLI"]),
        .executable(name: "flint-fuzz", targets: ["FlintFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
        // flint serve (FlintServe): HTTP, gRPC, protobuf, metrics, logging, graceful shutdown.
        // No default traits: FullFoundation would link the full Foundation (ICU data); ConfigurationSupport is unused.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.20.0", traits: []),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.0.0"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.0.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.0.0"),
        // No default traits: BinaryDelimitedStreams would link the full Foundation (ICU data, ~40 MB).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.30.0", traits: []),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // Tests only: the HTTP client the serving integration tests drive the server with.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.70.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        // The system's LAPACK and BLAS: Debian's reference liblapack-dev / libblas-dev on Linux, Accelerate on Apple.
        .target(
            name: "CLapack",
            linkerSettings: [
                .linkedLibrary("lapack", .when(platforms: [.linux])),
                .linkedLibrary("blas", .when(platforms: [.linux])),
                // Reference LAPACK is Fortran: its runtime, named for static links (the shared liblapack brings it).
                .linkedLibrary("gfortran", .when(platforms: [.linux])),
                .linkedFramework("Accelerate", .when(platforms: [.macOS, .iOS, .tvOS, .visionOS])),
            ]
        ),
        .target(name: "FlintZip", dependencies: ["CZlib"]),
        .target(name: "FlintPickle"),
        .target(name: "CFlintKernels"),
        .target(
            name: "FlintTensor",
            dependencies: [
                "CFlintKernels", .product(name: "RealModule", package: "swift-numerics"),
                .product(name: "ComplexModule", package: "swift-numerics"),
            ]
        ),
        .target(name: "FlintScript"),
        .target(name: "FlintValues", dependencies: ["FlintTensor", "FlintScript"]),
        .target(name: "FlintLinearAlgebra", dependencies: ["FlintTensor", "CLapack", .product(name: "RealModule", package: "swift-numerics")]),
        .target(name: "FlintOperators", dependencies: ["FlintValues", "FlintTensor", "FlintLinearAlgebra", "FlintScript"]),
        .target(name: "FlintGraph", dependencies: ["FlintOperators", "FlintValues", "FlintTensor"]),
        .target(name: "FlintRuntime", dependencies: ["FlintGraph", "FlintOperators", "FlintLoader", "FlintValues", "FlintScript", "FlintTensor"]),
        .target(name: "FlintNumPy", dependencies: ["FlintZip", "FlintTensor"]),
        .target(
            name: "FlintLoader",
            dependencies: ["FlintZip", "FlintPickle", "FlintTensor", "FlintScript", "FlintValues"]
        ),
        .target(name: "FlintExport", dependencies: ["FlintGraph", "FlintOperators", "FlintLoader", "FlintZip", "FlintScript", "FlintValues", "FlintTensor"]),
        .target(name: "Flint", dependencies: ["FlintGraph", "FlintRuntime", "FlintExport", "FlintOperators", "FlintLoader", "FlintValues", "FlintNumPy", "FlintTensor"]),
        .target(
            name: "FlintServingProtocol",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ]
        ),
        .target(
            name: "FlintServe",
            dependencies: [
                "Flint", "FlintServingProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "FlintCLI",
            dependencies: [
                "Flint", "FlintServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "FlintFuzz", dependencies: ["FlintLoader"]),
        .target(name: "FlintTestSupport", dependencies: ["FlintZip", "CZlib"], path: "Tests/FlintTestSupport"),
        .testTarget(name: "FlintZipTests", dependencies: ["FlintZip", "FlintTestSupport"]),
        .testTarget(name: "FlintPickleTests", dependencies: ["FlintPickle"]),
        .testTarget(name: "FlintTensorTests", dependencies: ["FlintTensor", "CFlintKernels", "FlintOperators", "FlintValues", "FlintNumPy", "FlintLoader", "FlintTestSupport"]),
        .testTarget(name: "FlintLoaderTests", dependencies: ["FlintLoader", "FlintRuntime", "FlintTensor", "FlintTestSupport"]),
        .testTarget(name: "FlintRuntimeTests", dependencies: ["FlintRuntime", "FlintGraph", "FlintOperators", "FlintLoader", "FlintValues", "FlintTensor", "FlintTestSupport"]),
        .testTarget(name: "FlintAPITests", dependencies: ["Flint", "FlintTestSupport"]),
        .testTarget(name: "FlintCLITests", dependencies: ["FlintTestSupport", "FlintNumPy", "FlintTensor"]),
        .testTarget(
            name: "FlintServeTests",
            dependencies: [
                "FlintServe", "Flint", "FlintTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "FlintScriptTests", dependencies: ["FlintScript", "FlintOperators", "FlintLoader", "FlintTestSupport"]),
    ]
)
