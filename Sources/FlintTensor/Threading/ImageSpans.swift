extension Range where Bound == Int {
    /// Walks a range of image-major plane indices (`(image, channel)` pairs, `channels` planes per image) one
    /// image at a time: `body(image, channelRange)` for each image the range touches, in order. The parallel
    /// bodies of the per-plane C kernels take one call per image this way.
    func forEachImageSpan(channels: Int, _ body: (_ image: Int, _ channels: Range<Int>) -> Void) {
        var plane = lowerBound
        while plane < upperBound {
            let image = plane / channels
            let begin = plane - image * channels
            let end = Swift.min(channels, begin + (upperBound - plane))
            body(image, begin..<end)
            plane += end - begin
        }
    }
}
