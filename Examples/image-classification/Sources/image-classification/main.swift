// Classifies an image as torchvision's ImageNet models expect it:
//   Resize(256) (bilinear, antialiased) → CenterCrop(224) → ToTensor (÷255) → Normalize(mean, std)
// then prints the five most probable classes.

import Flint
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    print("usage: image-classification <classifier.pt> <image.ppm>")
    exit(1)
}

do {
    let module = try Flint.load(arguments[1])
    let image = try PPMImage(path: arguments[2])
    let input = try Preprocessing.imageNet(try image.tensor())
    let logits = try module.forward([.tensor(input)]).toTensor()
    let probabilities = try logits.softmax(dim: 1)
    let best = try probabilities.topk(5, dim: 1)
    let scores = try best.values.scalars(as: Float.self)
    let classes = try best.indices.scalars(as: Int64.self)
    print("top-5 for \(arguments[2]):")
    for (score, index) in zip(scores, classes) {
        let label = Int(index) < imageNetLabels.count ? imageNetLabels[Int(index)] : "class \(index)"
        print(String(format: "  %4d  %.4f  %@", Int(index), Double(score), label))
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
