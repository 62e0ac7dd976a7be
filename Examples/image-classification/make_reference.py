#!/usr/bin/env python3
"""Reference for the image-classification example: a sample image, a small committed classifier and the
top-5 that torchvision's own pipeline gives for them.

    python3 Examples/image-classification/make_reference.py
        -> Examples/image-classification/sample.ppm          (a 160x120 synthetic RGB image)
           Tests/Fixtures/api/tiny_classifier.pt              (traced conv/pool/linear, 1000 classes)
           Tests/Fixtures/api/tiny_classifier.expected.txt    (what the example must print)
    python3 Examples/image-classification/make_reference.py --model resnet18.pt --image photo.ppm
        prints the reference top-5 for any classifier and image.

The pipeline is torchvision.transforms.v2 on the uint8 image tensor: Resize(256, antialias=True),
CenterCrop(224), ToDtype(float32, scale=True), Normalize(ImageNet mean/std).
"""
import argparse, os
import numpy as np
import torch
from torch import nn
from torchvision.transforms import v2
from torchvision.models._meta import _IMAGENET_CATEGORIES

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def read_ppm(path):
    with open(path, 'rb') as f:
        data = f.read()
    parts = data.split(maxsplit=4)
    assert parts[0] == b'P6'
    w, h, maxval = int(parts[1]), int(parts[2]), int(parts[3])
    assert maxval == 255
    pixels = np.frombuffer(parts[4][:w * h * 3], dtype=np.uint8).reshape(h, w, 3)
    return torch.from_numpy(pixels.copy()).permute(2, 0, 1).unsqueeze(0)


def top5_text(model_path, image_path, shown_path):
    image = read_ppm(image_path)
    transform = v2.Compose([v2.Resize(256, antialias=True), v2.CenterCrop(224), v2.ToDtype(torch.float32, scale=True),
                            v2.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    x = transform(image)
    model = torch.jit.load(model_path)
    with torch.no_grad():
        probabilities = model(x).softmax(dim=1)
    values, indices = probabilities.topk(5, dim=1)
    lines = [f'top-5 for {shown_path}:']
    for v, i in zip(values[0].tolist(), indices[0].tolist()):
        lines.append(f'  {i:4d}  {v:.4f}  {_IMAGENET_CATEGORIES[i]}')
    return '\n'.join(lines) + '\n'


def make_sample(path):
    h, w = 120, 160
    y, x = np.mgrid[0:h, 0:w]
    r = (x * 255 // (w - 1)).astype(np.uint8)
    g = (y * 255 // (h - 1)).astype(np.uint8)
    b = (((x // 20 + y // 20) % 2) * 200 + 30).astype(np.uint8)
    disk = (x - 100) ** 2 + (y - 60) ** 2 < 30 ** 2
    r[disk], g[disk], b[disk] = 250, 220, 40
    pixels = np.stack([r, g, b], axis=-1)
    with open(path, 'wb') as f:
        f.write(b'P6\n%d %d\n255\n' % (w, h))
        f.write(pixels.tobytes())


class TinyClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 16, 5, stride=4, padding=2), nn.ReLU(), nn.AdaptiveAvgPool2d(4))
        self.fc = nn.Linear(16 * 16, 1000)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1)) * 4.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--model')
    parser.add_argument('--image')
    args = parser.parse_args()
    if args.model:
        print(top5_text(args.model, args.image, args.image), end='')
        return
    sample = os.path.join(HERE, 'sample.ppm')
    make_sample(sample)
    torch.manual_seed(0)
    model = TinyClassifier().eval()
    model_path = os.path.join(ROOT, 'Tests/Fixtures/api/tiny_classifier.pt')
    with torch.no_grad():
        torch.jit.save(torch.jit.trace(model, torch.rand(1, 3, 224, 224)), model_path)
    text = top5_text(model_path, sample, 'sample.ppm')
    with open(os.path.join(ROOT, 'Tests/Fixtures/api/tiny_classifier.expected.txt'), 'w') as f:
        f.write(text)
    print(text, end='')


if __name__ == '__main__':
    main()
