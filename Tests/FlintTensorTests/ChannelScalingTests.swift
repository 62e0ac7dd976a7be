import FlintTensor
import Testing

/// `scalingLeadingSlices(by:)` (batch-norm folding's weight scaling) gives the bits of the float64 tensor
/// expression it replaces, `(weight.to(float64) · factors.view(-1, 1, ...)).to(float32)`, for weights whose
/// slices are split over the thread pool and for ones that are not, and for a non-contiguous weight.
@Suite struct ChannelScalingTests {
    static func expected(_ weight: Tensor, _ factors: [Double]) throws -> Tensor {
        let shaped = try Tensor(shape: [factors.count] + Array(repeating: 1, count: weight.rank - 1), scalars: factors)
        return try weight.to(.float64).mul(shaped).to(.float32)
    }

    @Test(arguments: [[8, 3, 3, 3], [64, 64, 3, 3], [1024, 512, 1, 1], [5, 7], [1, 4], [300]])
    func matchesTheFloat64Expression(shape: [Int]) throws {
        let count = shape.reduce(1, *)
        let weight = try Tensor(shape: shape, scalars: SeededValues.uniform(count, seed: 7).map { $0 * 3 })
        let factors = SeededValues.uniform(shape[0], seed: 11).map { Double($0) * 2.5 + 0.1 }
        let scaled = try weight.scalingLeadingSlices(by: factors)
        #expect(scaled.shape == shape)
        let got = try scaled.scalars(as: Float.self), want = try Self.expected(weight, factors).scalars(as: Float.self)
        #expect(zip(got, want).allSatisfy { $0.bitPattern == $1.bitPattern })
    }

    @Test func readsANonContiguousWeight() throws {
        let base = try Tensor(shape: [6, 4], scalars: SeededValues.uniform(24, seed: 3))
        let weight = try base.transpose(0, 1)          // [4, 6], strides [1, 4]
        let factors: [Double] = [0.5, -2, 3.25, 1e-3]
        let got = try weight.scalingLeadingSlices(by: factors).scalars(as: Float.self)
        let want = try Self.expected(weight, factors).scalars(as: Float.self)
        #expect(got == want)
    }

    @Test func rejectsWhatItCannotScale() {
        #expect(throws: TensorError.self) { try Tensor.zeros([3, 2], dtype: .float64).scalingLeadingSlices(by: [1, 2, 3]) }
        #expect(throws: TensorError.self) { try Tensor.zeros([3, 2]).scalingLeadingSlices(by: [1, 2]) }
    }
}
