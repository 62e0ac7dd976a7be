// swift-tools-version: 6.1
import PackageDescription

/// Benchmarks live in their own package so that the library and its users never build them.
/// Run from this folder: `swift run -c release load-benchmark MODEL.pt` (see ../BENCHMARKS.md).
let package = Package(
    name: "FlintBenchmarks",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "load-benchmark", targets: ["LoadBenchmark"]),
        .executable(name: "kernel-benchmark", targets: ["KernelBenchmark"]),
    ],
    dependencies: [.package(name: "Flint", path: "..")],
    targets: [
        .executableTarget(
            name: "KernelBenchmark",
            dependencies: [.product(name: "Flint", package: "Flint")]
        ),
        .executableTarget(
            name: "LoadBenchmark",
            dependencies: [.product(name: "Flint", package: "Flint")]
        )
    ]
)
