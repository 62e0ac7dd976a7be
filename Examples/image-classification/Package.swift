// swift-tools-version: 6.1
import PackageDescription

// Classify an image with a TorchScript image classifier, preprocessing it as torchvision does.
// Build and run: swift run image-classification MODEL.pt IMAGE.ppm
let package = Package(
    name: "image-classification",
    platforms: [.macOS(.v13), .iOS(.v16)],
    dependencies: [
        .package(name: "Flint", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "image-classification",
            dependencies: [.product(name: "Flint", package: "Flint")]
        ),
    ]
)
