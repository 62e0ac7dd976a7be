import FlintTensor
import FlintValues

extension OperatorDefinitions {
    /// `upsample_*` and `_upsample_*_aa` (what `F.interpolate` calls), and `grid_sampler` (`F.grid_sample`).
    mutating func defineInterpolationOperators() {
        // Interpolation
        for (name, mode) in [
            ("upsample_nearest1d", "nearest"), ("upsample_nearest2d", "nearest"), ("upsample_nearest3d", "nearest"),
            ("_upsample_nearest_exact1d", "nearest-exact"), ("_upsample_nearest_exact2d", "nearest-exact"), ("_upsample_nearest_exact3d", "nearest-exact"),
        ] {
            tensorOp("aten::\(name).vec") { try TensorOperatorSupport.interpolate($0, mode: mode, alignCornersIndex: nil) }
            tensorOp("aten::\(name)") { try TensorOperatorSupport.interpolateExplicit($0, mode: mode, hasAlignCorners: false) }
        }
        tensorOp("aten::_upsample_bilinear2d_aa.vec") { try TensorOperatorSupport.interpolate($0, mode: "bilinear-antialias", alignCornersIndex: 2) }
        tensorOp("aten::_upsample_bicubic2d_aa.vec") { try TensorOperatorSupport.interpolate($0, mode: "bicubic-antialias", alignCornersIndex: 2) }
        tensorOp("aten::_upsample_bilinear2d_aa") { try TensorOperatorSupport.interpolateExplicit($0, mode: "bilinear-antialias", hasAlignCorners: true) }
        tensorOp("aten::_upsample_bicubic2d_aa") { try TensorOperatorSupport.interpolateExplicit($0, mode: "bicubic-antialias", hasAlignCorners: true) }
        for (name, mode) in [("upsample_linear1d", "linear"), ("upsample_bilinear2d", "bilinear"), ("upsample_trilinear3d", "trilinear"), ("upsample_bicubic2d", "bicubic")] {
            tensorOp("aten::\(name).vec") { try TensorOperatorSupport.interpolate($0, mode: mode, alignCornersIndex: 2) }
            tensorOp("aten::\(name)") { try TensorOperatorSupport.interpolateExplicit($0, mode: mode, hasAlignCorners: true) }
        }
        // Sampling at grid locations (F.grid_sample; spatial transformers, optical flow warps).
        for (name, dimensions) in [("grid_sampler", nil), ("grid_sampler_2d", 2), ("grid_sampler_3d", 3)] as [(String, Int?)] {
            tensorOp("aten::\(name)") { c in
                try c.tensor(0, "input").gridSample(
                    grid: c.tensor(1, "grid"), interpolation: c.int(2, "interpolation_mode"), padding: c.int(3, "padding_mode"),
                    alignCorners: c.bool(4, "align_corners"), spatialDimensions: dimensions)
            }
        }
    }
}
