/// The short-time Fourier transform and its inverse (`torch.stft`, `torch.istft`), as ATen computes them:
/// windowed frames through the discrete Fourier transform, and their overlap-add divided by the window's
/// squared envelope.
extension Tensor {
    /// The arguments of `torch.stft` and `torch.istft`, with their schema defaults.
    public struct ShortTimeFourierOptions: Sendable {
        /// The frame (and transform) length.
        public var fftLength: Int
        /// Samples between frames' starts (nil: fftLength / 4).
        public var hopLength: Int?
        /// The window's length (nil: fftLength); a shorter window is zero-padded on both sides to fftLength.
        public var windowLength: Int?
        /// The window (nil: a rectangular one of windowLength ones).
        public var window: Tensor?
        /// Whether the signal is padded by fftLength / 2 on both sides, so frame t is centred on sample t·hop
        /// (`stft.center`); `istft` then trims that padding.
        public var center: Bool
        /// How `center` pads: "reflect", "constant", "replicate" or "circular" (`stft` only).
        public var padMode: String
        /// Whether the transform is scaled by 1/√fftLength (`istft`: undone).
        public var normalized: Bool
        /// Whether only the fftLength / 2 + 1 non-redundant frequencies are kept (nil: for real signals and windows).
        public var onesided: Bool?
        /// Whether the result is complex (`stft`: nil requires a complex input or window; false gives
        /// `view_as_real` of it) — for `istft`, whether the signal is.
        public var returnComplex: Bool?
        /// `stft` without `center`: frames start where the window's non-zero part does (nil: false).
        public var alignToWindow: Bool?
        /// `istft`: the signal's length (nil: every sample the frames cover, less the centring padding).
        public var length: Int?

        /// Options with `fftLength` and every other argument at its default.
        public init(fftLength: Int, center: Bool = false) {
            self.fftLength = fftLength
            self.center = center
            padMode = "reflect"
            normalized = false
        }
    }

    /// `torch.stft` of a 1-D signal or a 2-D batch of signals (float or complex): a [batch,] frequency × frame
    /// complex tensor, with ATen's checks and messages.
    public func shortTimeFourierTransform(_ options: ShortTimeFourierOptions) throws -> Tensor {
        let n = options.fftLength
        if options.center {
            guard options.alignToWindow == nil else { throw TensorError("stft align_to_window should only be set when center = false.") }
            var uncentred = options
            uncentred.center = false
            let extra = Swift.max(3, rank) - rank
            let padded = try reshape(Array(repeating: 1, count: extra) + shape).pad([n / 2, n / 2], mode: options.padMode)
            return try padded.reshape(Array(padded.shape.dropFirst(extra))).shortTimeFourierTransform(uncentred)
        }
        let window = options.window
        let returnComplex = options.returnComplex ?? (dtype.isComplex || window?.dtype.isComplex == true)
        if !returnComplex && options.returnComplex == nil {
            throw TensorError(
                "stft requires the return_complex parameter be given for real inputs, and will further require that return_complex=True in a future PyTorch release.")
        }
        let hop = options.hopLength ?? n >> 2
        let windowLength = options.windowLength ?? n
        func refuse(_ problem: String) -> TensorError {
            let windowText = window.map { "torch.\($0.dtype.scalarTypeName)Tensor{\($0.shape)}" } ?? "None"
            return TensorError(
                "stft(torch.\(dtype.scalarTypeName)Tensor\(shape), n_fft=\(n), hop_length=\(hop), win_length=\(windowLength), window=\(windowText), normalized=\(options.normalized ? 1 : 0), onesided=\(Self.optionalFlag(options.onesided)), return_complex=\(Self.optionalFlag(options.returnComplex)), align_to_window=\(Self.optionalFlag(options.alignToWindow))) : \(problem)")
        }
        guard dtype.isFloatingPoint || dtype.isComplex else { throw refuse("expected a tensor of floating point or complex values") }
        guard rank == 1 || rank == 2 else { throw refuse("expected a 1D or 2D tensor") }
        let signals = rank == 1 ? try unsqueeze(0) : self
        let length = signals.shape[1]
        // ATen prints win_length as "n_fft" here.
        guard n > 0 && n <= length else { throw refuse("expected 0 < n_fft < \(length), but got n_fft=\(windowLength)") }
        guard hop > 0 else { throw refuse("expected hop_length > 0, but got hop_length=\(hop)") }
        guard windowLength > 0 && windowLength <= n else { throw refuse("expected 0 < win_length <= n_fft, but got win_length=\(windowLength)") }
        if let window, window.rank != 1 || window.shape[0] != windowLength {
            throw refuse("expected a 1D window tensor of size equal to win_length=\(windowLength), but got window with size \(window.shape)")
        }
        let complexTransform = dtype.isComplex || window?.dtype.isComplex == true
        let onesided = options.onesided ?? !complexTransform
        if complexTransform && onesided { throw TensorError("Cannot have onesided output if window or input is complex") }
        // Frames start where the window's non-zero part does: as padding the signal by the window's margins.
        let margin = (n - windowLength) / 2
        var framed = signals
        if options.alignToWindow == true && windowLength < n { framed = try signals.pad([margin, n - windowLength - margin]) }
        let frames = 1 + (framed.shape[1] - n) / hop
        framed = try framed.asStrided(
            [framed.shape[0], frames, n], [framed.strides[0], hop * framed.strides[1], framed.strides[1]], storageOffset: framed.storageOffset)
        if let padded = try Self.paddedWindow(window, length: windowLength, fftLength: n, dtype: dtype) { framed = try framed.mul(padded) }
        let scale = options.normalized ? 1 / Double(n).squareRoot() : 1
        var spectrum = try framed.fourierTransform(sizes: [n], dims: [2], inverse: false, scale: scale, onesided: onesided).transpose(1, 2)
        if rank == 1 { spectrum = try spectrum.squeeze(0) }
        return returnComplex ? spectrum : try spectrum.viewAsReal()
    }

    /// `torch.istft` of a complex [batch,] frequency × frame spectrum: the signal whose `stft` it is, by the
    /// overlap-add of the frames' inverse transforms divided by the squared window's envelope, with ATen's
    /// checks (the envelope must not vanish: the "NOLA" condition) and messages.
    public func inverseShortTimeFourierTransform(_ options: ShortTimeFourierOptions) throws -> Tensor {
        guard dtype.isComplex else {
            throw TensorError("istft requires a complex-valued input tensor matching the output from stft with return_complex=True.")
        }
        let n = options.fftLength
        let window = options.window
        let hop = options.hopLength ?? n >> 2
        let windowLength = options.windowLength ?? n
        let returnComplex = options.returnComplex ?? false
        func refuse(_ problem: String, separator: String = " : ") -> TensorError {
            let windowText = window.map { "torch.\($0.dtype.scalarTypeName)Tensor{\($0.shape)}" } ?? "None"
            return TensorError(
                "istft(CPU\(dtype.scalarTypeName)Type\(shape), n_fft=\(n), hop_length=\(hop), win_length=\(windowLength), window=\(windowText), center=\(options.center ? 1 : 0), normalized=\(options.normalized ? 1 : 0), onesided=\(Self.optionalFlag(options.onesided)), length=\(options.length.map(String.init) ?? "None"), return_complex=\(returnComplex ? 1 : 0))\(separator)\(problem)")
        }
        guard rank == 2 || rank == 3 else {
            throw refuse("expected a tensor with 3 or 4 dimensions of real, or 2 or 3 dimensions of complex, but got \(rank + 1)")
        }
        let frequencies = shape[rank - 2]
        let frames = shape[rank - 1]
        let onesided = options.onesided ?? (frequencies != n)
        if onesided {
            guard n / 2 + 1 == frequencies else {
                throw refuse("expected the frequency dimension (3rd to the last) of the input tensor to match n_fft / 2 + 1 when onesided=True, but got \(frequencies)")
            }
        } else {
            guard n == frequencies else {
                throw refuse("expected the frequency dimension (3rd to the last) of the input tensor to match n_fft when onesided=False, but got \(frequencies)")
            }
        }
        guard hop > 0 && hop <= windowLength else { throw refuse("expected 0 < hop_length <= win_length") }
        guard windowLength > 0 && windowLength <= n else { throw refuse("expected 0 < win_length <= n_fft") }
        if let window, window.rank != 1 || window.shape[0] != windowLength {
            throw refuse("Invalid window shape. window has to be 1D and length of `win_length`")
        }
        let fullWindow = try Self.paddedWindow(window, length: windowLength, fftLength: n, dtype: dtype.complexComponent)
            ?? Tensor.ones([n], dtype: dtype.complexComponent)
        // [channel, frame, frequency], each frame back to n samples.
        let spectra = try (rank == 2 ? unsqueeze(0) : self).transpose(1, 2)
        let scale = options.normalized ? 1 / Double(n).squareRoot() : 1 / Double(n)
        var signals: Tensor
        if returnComplex {
            guard !onesided else { throw TensorError("Cannot have onesided output if window or input is complex") }
            signals = try spectra.fourierTransform(sizes: [n], dims: [2], inverse: true, scale: scale)
        } else {
            guard !fullWindow.dtype.isComplex else { throw TensorError("Complex windows are incompatible with return_complex=False") }
            signals = try spectra.narrow(dim: 2, start: 0, length: onesided ? frequencies : n / 2 + 1)
                .complexToRealFourierTransform(sizes: [n], dims: [2], scale: scale)
        }
        signals = try signals.mul(fullWindow.reshape([1, 1, n]))
        let expectedLength = n + hop * (frames - 1)
        // [channel, length] and [1, length].
        var signal = try Self.overlapAdd(signals, hop: hop, length: expectedLength)
        var envelope = try Self.overlapAdd(fullWindow.mul(fullWindow).expand([1, frames, n]), hop: hop, length: expectedLength)
        let start = options.center ? n / 2 : 0
        let end = options.length.map { start + $0 } ?? (options.center ? expectedLength - n / 2 : expectedLength)
        let kept = Swift.max(0, Swift.min(end, expectedLength) - start)
        signal = try signal.narrow(dim: 1, start: Swift.min(start, expectedLength), length: kept)
        envelope = try envelope.narrow(dim: 1, start: Swift.min(start, expectedLength), length: kept)
        let smallest = try envelope.abs().to(.float64).scalars(as: Double.self).min() ?? .infinity
        if smallest < 1e-11 { throw refuse("window overlap add min: 1\n[ CPUBoolType{} ]", separator: " ") }
        signal = try signal.div(envelope)
        if rank == 2 { signal = try signal.squeeze(0) }
        if end > expectedLength { signal = try signal.pad([0, end - expectedLength]) }
        return signal
    }

    /// The window zero-padded on both sides from `length` to `fftLength` (a window of ones when none is given
    /// and it is shorter); nil when there is no window and none is needed.
    private static func paddedWindow(_ window: Tensor?, length: Int, fftLength: Int, dtype: DType) throws -> Tensor? {
        guard length < fftLength else { return window }
        let margin = (fftLength - length) / 2
        let full = window ?? Tensor.ones([length], dtype: dtype.isComplex ? dtype.complexComponent : dtype)
        return try full.pad([margin, fftLength - length - margin])
    }

    /// The sum of [channel, frame, n] frames placed `hop` apart: a [channel, length] signal (ATen's
    /// `unfold_backward` of the frames).
    private static func overlapAdd(_ frames: Tensor, hop: Int, length: Int) throws -> Tensor {
        let (channels, count, n) = (frames.shape[0], frames.shape[1], frames.shape[2])
        let signal = Tensor(zeros: [channels, length], dtype: frames.dtype)
        for frame in 0..<count {
            let target = try signal.narrow(dim: 1, start: frame * hop, length: n)
            try target.copy(from: target.add(frames.select(dim: 1, index: frame)))
        }
        return signal
    }

    /// An optional flag as ATen prints it in these messages: None, 0 or 1.
    private static func optionalFlag(_ flag: Bool?) -> String { flag.map { $0 ? "1" : "0" } ?? "None" }
}
