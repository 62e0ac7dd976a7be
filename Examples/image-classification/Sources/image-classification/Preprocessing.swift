import Flint

/// torchvision's ImageNet evaluation transform on a uint8 image tensor, op for op as
/// `transforms.v2` applies it to tensors: `Resize(256, antialias=True)`, `CenterCrop(224)`,
/// `ToDtype(float32, scale=True)`, `Normalize(mean, std)`.
enum Preprocessing {
    static let mean: [Float] = [0.485, 0.456, 0.406]
    static let std: [Float] = [0.229, 0.224, 0.225]

    /// `image` is `[1, 3, H, W]` uint8; the result is `[1, 3, 224, 224]` float32.
    static func imageNet(_ image: Tensor, resize: Int = 256, crop: Int = 224) throws -> Tensor {
        let (height, width) = (image.shape[2], image.shape[3])
        // The shorter side becomes `resize`; the other keeps the aspect ratio (truncated, as torchvision does).
        let size = height <= width
            ? [resize, Int(Double(resize) * Double(width) / Double(height))]
            : [Int(Double(resize) * Double(height) / Double(width)), resize]
        let resized = try image.interpolate(outputSize: size, mode: "bilinear-antialias", alignCorners: false)
        // Center crop: offsets rounded as torchvision rounds them.
        let top = Int((Double(size[0] - crop) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(size[1] - crop) / 2).rounded(.toNearestOrEven))
        let cropped = try resized.narrow(dim: 2, start: top, length: crop).narrow(dim: 3, start: left, length: crop)
        let scaled = try cropped.to(.float32).div(Tensor(scalar: Float(255)))
        let meanTensor = try Tensor(shape: [1, 3, 1, 1], scalars: mean)
        let stdTensor = try Tensor(shape: [1, 3, 1, 1], scalars: std)
        return try scaled.sub(meanTensor).div(stdTensor)
    }
}
