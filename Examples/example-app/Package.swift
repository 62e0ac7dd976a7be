// swift-tools-version: 6.1
import PackageDescription

// The libtorch C++ tutorial program ("example-app"), ported to Swift with Flint as an ordinary SwiftPM
// dependency. Build and run: swift run example-app MODEL.pt
let package = Package(
    name: "example-app",
    platforms: [.macOS(.v13), .iOS(.v16)],
    dependencies: [
        .package(name: "Flint", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "example-app",
            dependencies: [.product(name: "Flint", package: "Flint")]
        ),
    ]
)
