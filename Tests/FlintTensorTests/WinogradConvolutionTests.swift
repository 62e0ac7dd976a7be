import FlintTensor
import Testing

/// 3×3 stride-1 convolutions through Winograd F(2×2, 3×3) (the weight packed with its Winograd form, as the
/// graph layer packs it) against the same convolution computed in float64: odd and even sizes (partial
/// tiles), padding 0 to 2, batches, bias or none, and the fused residual and activations.
@Suite struct WinogradConvolutionTests {
    struct Case: CustomStringConvertible {
        let batch: Int
        let inChannels: Int
        let outChannels: Int
        let height: Int
        let width: Int
        let padding: Int
        let bias: Bool
        let residual: Bool
        let activation: FusedEpilogue.Activation

        init(
            batch: Int = 1, inChannels: Int, outChannels: Int, height: Int, width: Int, padding: Int = 1, bias: Bool = true,
            residual: Bool = false, activation: FusedEpilogue.Activation = .none
        ) {
            (self.batch, self.inChannels, self.outChannels, self.height, self.width) = (batch, inChannels, outChannels, height, width)
            (self.padding, self.bias, self.residual, self.activation) = (padding, bias, residual, activation)
        }

        var description: String { "\(batch)x\(inChannels)x\(height)x\(width) -> \(outChannels), pad \(padding), bias \(bias), residual \(residual), \(activation)" }
    }

    static func values(_ count: Int, seed: UInt64) -> [Float] { SeededValues.uniform(count, seed: seed) }

    /// The Winograd result and the float64 reference, both as float64 scalars.
    static func run(_ c: Case) throws -> (winograd: [Double], reference: [Double]) {
        let input = try Tensor(shape: [c.batch, c.inChannels, c.height, c.width], scalars: values(c.batch * c.inChannels * c.height * c.width, seed: 1))
        let weight = try Tensor(shape: [c.outChannels, c.inChannels, 3, 3], scalars: values(c.outChannels * c.inChannels * 9, seed: 2))
        let bias = c.bias ? try Tensor(shape: [c.outChannels], scalars: values(c.outChannels, seed: 3)) : nil
        let outH = c.height + 2 * c.padding - 2, outW = c.width + 2 * c.padding - 2
        let residual = c.residual
            ? try Tensor(shape: [c.batch, c.outChannels, outH, outW], scalars: values(c.batch * c.outChannels * outH * outW, seed: 4)) : nil
        let packed = try PackedConvolutionWeights(weight, groups: 1, winograd: true)
        let winograd = try input.convolution(
            weight: weight, bias: bias, stride: [1, 1], padding: [c.padding, c.padding], dilation: [1, 1], groups: 1,
            epilogue: FusedEpilogue(residual: residual, activation: c.activation), packed: packed)
        let reference = try input.to(.float64).convolution(
            weight: weight.to(.float64), bias: bias?.to(.float64), stride: [1, 1], padding: [c.padding, c.padding], dilation: [1, 1], groups: 1,
            epilogue: FusedEpilogue(residual: residual?.to(.float64), activation: c.activation))
        #expect(winograd.shape == reference.shape, "\(c)")
        return (try winograd.to(.float64).scalars(as: Double.self), try reference.scalars(as: Double.self))
    }

    @Test(arguments: [
        Case(inChannels: 3, outChannels: 5, height: 7, width: 9),
        Case(inChannels: 16, outChannels: 8, height: 9, width: 9, bias: false),
        Case(inChannels: 4, outChannels: 4, height: 12, width: 12, padding: 0),
        Case(inChannels: 8, outChannels: 17, height: 6, width: 11, padding: 2, residual: true),
        Case(batch: 3, inChannels: 7, outChannels: 6, height: 9, width: 4, residual: true, activation: .relu),
        Case(batch: 2, inChannels: 5, outChannels: 3, height: 10, width: 10, activation: .clamp(low: 0, high: 6)),
        Case(inChannels: 6, outChannels: 6, height: 12, width: 13, residual: true, activation: .silu),
        Case(inChannels: 33, outChannels: 40, height: 29, width: 57),
        // A late layer of a batch: 4 tiles per image, 32 as the products' columns.
        Case(batch: 8, inChannels: 32, outChannels: 24, height: 4, width: 4, residual: true, activation: .relu),
        Case(batch: 5, inChannels: 9, outChannels: 20, height: 3, width: 5, padding: 2, residual: true),
        // 33 tile rows of 245 KB of V and M each: two bands of 17 and 16 rows, which begin and end inside images.
        Case(batch: 3, inChannels: 64, outChannels: 64, height: 22, width: 60, residual: true, activation: .relu),
    ])
    func matchesTheFloat64Convolution(_ c: Case) throws {
        let (winograd, reference) = try Self.run(c)
        // Each output sums 9 × inChannels products of values in [-1, 1]: float32 rounding of such sums stays
        // far below 1e-5 relative to that bound, for the direct product and for Winograd alike.
        let scale = Double(9 * c.inChannels + 2)
        let worst = zip(winograd, reference).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-6 * scale, "\(c): differs from float64 by \(worst)")
        #expect(Set(winograd).count > winograd.count / 4, "\(c): the output is not degenerate")
    }

    /// A layer whose transformed input and products exceed one band of the kernel's scratch (8 MiB): the image
    /// is worked through in bands of tile rows, with the same result as the direct float32 product.
    @Test func largeImagesGoInBands() throws {
        let (c, o, h, w) = (96, 96, 72, 72)
        let input = try Tensor(shape: [1, c, h, w], scalars: Self.values(c * h * w, seed: 5))
        let weight = try Tensor(shape: [o, c, 3, 3], scalars: Self.values(o * c * 9, seed: 6))
        let packed = try PackedConvolutionWeights(weight, groups: 1, winograd: true)
        let winograd = try input.convolution(weight: weight, bias: nil, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1, packed: packed)
        let direct = try input.convolution(weight: weight, bias: nil, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1)
        let worst = zip(try winograd.scalars(as: Float.self), try direct.scalars(as: Float.self)).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-6 * Float(9 * c), "differs from the direct product by \(worst)")
    }

    /// Many input channels: the weight's Winograd form is made in blocks of output channels (about 1 MB of
    /// transformed planes each), here four whole blocks and a partial one.
    @Test func weightsTransformedInBlocks() throws {
        let (c, o, h, w) = (640, 100, 10, 10)
        let input = try Tensor(shape: [1, c, h, w], scalars: Self.values(c * h * w, seed: 14))
        let weight = try Tensor(shape: [o, c, 3, 3], scalars: Self.values(o * c * 9, seed: 15))
        let packed = try PackedConvolutionWeights(weight, groups: 1, offering: [.gemm, .winograd], preparing: .winograd)
        let winograd = try input.convolution(weight: weight, bias: nil, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1, packed: packed)
        let direct = try input.convolution(weight: weight, bias: nil, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1)
        let worst = zip(try winograd.scalars(as: Float.self), try direct.scalars(as: Float.self)).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-6 * Float(9 * c), "differs from the direct product by \(worst)")
    }

    /// A batch whose tile rows fill more than one band, with a band boundary inside an image: 7 images of
    /// 3 tile rows × 512 tile columns, 16 tile rows to a band, so the first band ends in the sixth image.
    @Test func bandsSpanImageBoundaries() throws {
        let (n, c, h, w) = (7, 8, 6, 1024)
        let input = try Tensor(shape: [n, c, h, w], scalars: Self.values(n * c * h * w, seed: 7))
        let weight = try Tensor(shape: [c, c, 3, 3], scalars: Self.values(c * c * 9, seed: 8))
        let bias = try Tensor(shape: [c], scalars: Self.values(c, seed: 9))
        let residual = try Tensor(shape: [n, c, h, w], scalars: Self.values(n * c * h * w, seed: 10))
        let packed = try PackedConvolutionWeights(weight, groups: 1, winograd: true)
        let epilogue = FusedEpilogue(residual: residual, activation: .relu)
        let winograd = try input.convolution(
            weight: weight, bias: bias, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1, epilogue: epilogue, packed: packed)
        let direct = try input.convolution(
            weight: weight, bias: bias, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1, epilogue: epilogue)
        let worst = zip(try winograd.scalars(as: Float.self), try direct.scalars(as: Float.self)).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-6 * Float(9 * c + 2), "differs from the direct product by \(worst)")
    }

    /// A weight packed with one form only (as a plan packs the form its input shape takes) makes the other on
    /// first use: the results are the bits of a weight packed with both up front, on the Winograd path (a
    /// 16×16 image) and on the GEMM path (a 6×6 image, too few tiles for Winograd to pay).
    @Test(arguments: [PackedConvolutionWeights.Forms.gemm, .winograd, []])
    func formsAreMadeOnFirstUse(prepared: PackedConvolutionWeights.Forms) throws {
        let weight = try Tensor(shape: [16, 8, 3, 3], scalars: Self.values(16 * 8 * 9, seed: 11))
        let bias = try Tensor(shape: [16], scalars: Self.values(16, seed: 12))
        for size in [16, 6] {
            let input = try Tensor(shape: [1, 8, size, size], scalars: Self.values(8 * size * size, seed: 13))
            let eager = try PackedConvolutionWeights(weight, groups: 1, winograd: true)
            let lazy = try PackedConvolutionWeights(weight, groups: 1, offering: [.gemm, .winograd], preparing: prepared)
            func convolve(_ packed: PackedConvolutionWeights) throws -> [Float] {
                try input.convolution(
                    weight: weight, bias: bias, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1,
                    epilogue: FusedEpilogue(activation: .relu), packed: packed
                ).scalars(as: Float.self)
            }
            let (want, got) = (try convolve(eager), try convolve(lazy))
            #expect(zip(want, got).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(size)x\(size), prepared \(prepared)")
        }
    }

    /// `convolutionForm` names the form the convolution then multiplies with.
    @Test func convolutionFormFollowsTheShape() {
        func form(_ input: [Int], _ weight: [Int], stride: Int = 1, padding: Int = 1, dilation: Int = 1, groups: Int = 1) -> PackedConvolutionWeights.Forms {
            Tensor.convolutionForm(
                inputShape: input, weightShape: weight, stride: [stride, stride], padding: [padding, padding], dilation: [dilation, dilation],
                groups: groups)
        }
        #expect(form([1, 64, 56, 56], [64, 64, 3, 3]) == .winograd)
        #expect(form([1, 512, 9, 9], [512, 512, 3, 3]) == .winograd)       // 25 tiles: pays
        #expect(form([1, 512, 7, 7], [512, 512, 3, 3]) == .gemm)           // 16 tiles: measured no faster
        #expect(form([1, 512, 6, 6], [512, 512, 3, 3]) == .gemm)           // 9 tiles
        #expect(form([2, 512, 6, 6], [512, 512, 3, 3]) == .winograd)       // 18 tiles over the batch
        #expect(form([1, 64, 56, 56], [64, 64, 3, 3], stride: 2) == .gemm)
        #expect(form([1, 64, 56, 56], [64, 64, 3, 3], dilation: 2) == .gemm)
        #expect(form([1, 64, 56, 56], [64, 64, 1, 1], padding: 0) == .gemm)
        #expect(form([1, 64, 56, 56], [64, 32, 3, 3], groups: 2) == .gemm)
        #expect(form([1, 64, 56, 56], [64, 64, 3, 3], padding: 3) == .gemm)
        #expect(Tensor.convolutionForm(inputShape: [1, 64, 56, 56], weightShape: [64, 64, 3, 3], stride: [1], padding: [1], dilation: [1], groups: 1) == .winograd)
    }
}
