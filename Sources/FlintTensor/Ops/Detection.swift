/// torchvision's detection operators (`torchvision::nms`, `torchvision::roi_align`), as its CPU kernels
/// compute them.
extension Tensor {
    /// Non-maximum suppression: indices (int64) of the boxes kept, in decreasing score order. `boxes` is
    /// `[N, 4]` as (x1, y1, x2, y2); a box is dropped when its IoU with a kept, higher-scoring box is
    /// greater than `iouThreshold`.
    public static func nonMaximumSuppression(boxes: Tensor, scores: Tensor, iouThreshold: Double) throws -> Tensor {
        guard boxes.rank == 2, boxes.shape[1] == 4 else { throw TensorError("boxes should have 4 elements in dimension 1, got \(boxes.shape)") }
        guard scores.rank == 1, scores.shape[0] == boxes.shape[0] else {
            throw TensorError("boxes and scores should have same number of elements in dimension 0, got \(boxes.shape[0]) and \(scores.shape.first ?? 0)")
        }
        guard boxes.dtype == scores.dtype, boxes.dtype.isFloatingPoint else { throw TensorError("nms: boxes and scores must be floating point of the same dtype") }
        let count = boxes.shape[0]
        if count == 0 { return Tensor.zeros([0], dtype: .int64) }
        let coordinates = try boxes.to(.float64).contiguous().scalars(as: Double.self)
        let order = try scores.sort(dim: 0, descending: true, stable: true).indices.scalars(as: Int64.self).map(Int.init)
        var areas = [Double](repeating: 0, count: count)
        for i in 0..<count {
            let width: Double = coordinates[4 * i + 2] - coordinates[4 * i]
            let height: Double = coordinates[4 * i + 3] - coordinates[4 * i + 1]
            areas[i] = width * height
        }
        var suppressed = [Bool](repeating: false, count: count)
        var kept: [Int64] = []
        for (position, i) in order.enumerated() where !suppressed[i] {
            kept.append(Int64(i))
            let (x1, y1, x2, y2) = (coordinates[4 * i], coordinates[4 * i + 1], coordinates[4 * i + 2], coordinates[4 * i + 3])
            for j in order[(position + 1)...] where !suppressed[j] {
                let width = Swift.max(0, Swift.min(x2, coordinates[4 * j + 2]) - Swift.max(x1, coordinates[4 * j]))
                let height = Swift.max(0, Swift.min(y2, coordinates[4 * j + 3]) - Swift.max(y1, coordinates[4 * j + 1]))
                let intersection = width * height
                if intersection / (areas[i] + areas[j] - intersection) > iouThreshold { suppressed[j] = true }
            }
        }
        return try Tensor(shape: [kept.count], scalars: kept)
    }

    /// RoIAlign: `[K, C, pooledHeight, pooledWidth]` bilinear averages of `self` (`[N, C, H, W]`) over each
    /// region of `rois` (`[K, 5]`: batch index, x1, y1, x2, y2, scaled by `spatialScale`).
    public func roiAlign(rois: Tensor, spatialScale: Double, pooledHeight: Int, pooledWidth: Int, samplingRatio: Int, aligned: Bool) throws -> Tensor {
        guard rank == 4 else { throw TensorError("roi_align: input must be 4-D, got \(rank)-D") }
        guard rois.rank == 2, rois.shape[1] == 5 else { throw TensorError("rois must have shape as Tensor[K, 5]") }
        guard dtype == .float32 || dtype == .float64 else { throw TensorError("\"roi_align_forward_kernel\" not implemented for '\(dtype.scalarTypeName)'") }
        let (channels, height, width) = (shape[1], shape[2], shape[3])
        let regions = rois.shape[0]
        let input = try to(.float64).contiguous().scalars(as: Double.self)
        let boxes = try rois.to(.float64).contiguous().scalars(as: Double.self)
        let single = dtype == .float32
        func round(_ v: Double) -> Double { single ? Double(Float(v)) : v }
        var output = [Double](repeating: 0, count: regions * channels * pooledHeight * pooledWidth)
        let offset = aligned ? 0.5 : 0
        for k in 0..<regions {
            let batch = Int(boxes[5 * k])
            guard batch >= 0 && batch < shape[0] else { throw TensorError("roi_align: batch index \(batch) out of range") }
            let startW = round(boxes[5 * k + 1] * spatialScale - offset), startH = round(boxes[5 * k + 2] * spatialScale - offset)
            var roiWidth = round(boxes[5 * k + 3] * spatialScale - offset - startW)
            var roiHeight = round(boxes[5 * k + 4] * spatialScale - offset - startH)
            if !aligned {
                roiWidth = Swift.max(roiWidth, 1)
                roiHeight = Swift.max(roiHeight, 1)
            }
            let binH = round(roiHeight / Double(pooledHeight)), binW = round(roiWidth / Double(pooledWidth))
            let gridH = samplingRatio > 0 ? samplingRatio : Int((roiHeight / Double(pooledHeight)).rounded(.up))
            let gridW = samplingRatio > 0 ? samplingRatio : Int((roiWidth / Double(pooledWidth)).rounded(.up))
            let count = Double(Swift.max(gridH * gridW, 1))
            for c in 0..<channels {
                let plane = (batch * channels + c) * height * width
                for ph in 0..<pooledHeight {
                    for pw in 0..<pooledWidth {
                        var total = 0.0
                        for iy in 0..<gridH {
                            let y = round(startH + Double(ph) * binH + (Double(iy) + 0.5) * binH / Double(gridH))
                            for ix in 0..<gridW {
                                let x = round(startW + Double(pw) * binW + (Double(ix) + 0.5) * binW / Double(gridW))
                                total = round(total + Self.bilinear(input, plane: plane, height: height, width: width, y: y, x: x, round: round))
                            }
                        }
                        output[((k * channels + c) * pooledHeight + ph) * pooledWidth + pw] = round(total / count)
                    }
                }
            }
        }
        return try Tensor(shape: [regions, channels, pooledHeight, pooledWidth], scalars: output).to(dtype)
    }

    private static func bilinear(_ v: [Double], plane: Int, height: Int, width: Int, y: Double, x: Double, round: (Double) -> Double) -> Double {
        if y < -1 || y > Double(height) || x < -1 || x > Double(width) { return 0 }
        var y = Swift.max(y, 0), x = Swift.max(x, 0)
        var yLow = Int(y), xLow = Int(x)
        let yHigh: Int, xHigh: Int
        if yLow >= height - 1 { yLow = height - 1; yHigh = yLow; y = Double(yLow) } else { yHigh = yLow + 1 }
        if xLow >= width - 1 { xLow = width - 1; xHigh = xLow; x = Double(xLow) } else { xHigh = xLow + 1 }
        let ly = round(y - Double(yLow)), lx = round(x - Double(xLow))
        let hy = round(1 - ly), hx = round(1 - lx)
        let (w1, w2, w3, w4) = (round(hy * hx), round(hy * lx), round(ly * hx), round(ly * lx))
        let value = w1 * v[plane + yLow * width + xLow] + w2 * v[plane + yLow * width + xHigh]
            + w3 * v[plane + yHigh * width + xLow] + w4 * v[plane + yHigh * width + xHigh]
        return round(value)
    }
}
