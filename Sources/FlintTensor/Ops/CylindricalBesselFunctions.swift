import RealModule

/// The Bessel-family functions of `torch.special` (J₀, J₁, Y₀, Y₁, I₀, I₁, K₀, K₁, the scaled e^x·K₀ and e^x·K₁,
/// the spherical j₀ and Airy's Ai), as ATen computes them on the CPU: Cephes's rational approximations for J and Y
/// (for x > 5 Hankel's asymptotic form), Chebyshev expansions for I and K, and for Ai a power series near zero with
/// asymptotic expansions beyond ±2.09. Everything is evaluated in the element type, operation for operation, with
/// each constant rounded from its double value as ATen's `T(literal)` does; the one exception is ATen's own: K₀'s
/// `log(0.5 * x)` term, whose literal is a double, is evaluated in double for float too. Results are those of
/// ATen's portable (DEFAULT) kernels bit for bit; its AVX2/AVX-512 builds let the compiler fuse multiply-adds,
/// which moves them by a few ulps.
public struct CylindricalBesselFunction: FloatPointwiseFunction {
    /// Which function; the raw value is ATen's name without the `special_` prefix.
    public enum Kind: String, CaseIterable, Sendable {
        case besselJ0 = "bessel_j0", besselJ1 = "bessel_j1", besselY0 = "bessel_y0", besselY1 = "bessel_y1"
        case modifiedBesselI0 = "modified_bessel_i0", modifiedBesselI1 = "modified_bessel_i1"
        case modifiedBesselK0 = "modified_bessel_k0", modifiedBesselK1 = "modified_bessel_k1"
        case scaledModifiedBesselK0 = "scaled_modified_bessel_k0", scaledModifiedBesselK1 = "scaled_modified_bessel_k1"
        case sphericalBesselJ0 = "spherical_bessel_j0", airyAi = "airy_ai"
    }

    /// The function computed.
    public let kind: Kind
    /// Creates the operation.
    public init(_ kind: Kind) { self.kind = kind }

    /// The function at `x`, computed in `C` as ATen's `<name>_forward<C>` does.
    public func apply<C: Real & BinaryFloatingPoint>(_ x: C) -> C {
        switch kind {
        case .besselJ0: return Self.besselJ0(x)
        case .besselJ1: return Self.besselJ1(x)
        case .besselY0: return Self.besselY0(x)
        case .besselY1: return Self.besselY1(x)
        case .modifiedBesselI0: return Self.modifiedI0(x)
        case .modifiedBesselI1: return Self.modifiedI1(x)
        case .modifiedBesselK0: return Self.modifiedK0(x, scaled: false)
        case .modifiedBesselK1: return Self.modifiedK1(x, scaled: false)
        case .scaledModifiedBesselK0: return Self.modifiedK0(x, scaled: true)
        case .scaledModifiedBesselK1: return Self.modifiedK1(x, scaled: true)
        case .sphericalBesselJ0: return Self.sphericalJ0(x)
        case .airyAi: return Self.airyAi(x)
        }
    }

    // MARK: - Bessel functions of the first and second kind

    /// J₀: a rational function of x² times (x² − r₁²)(x² − r₂²), r₁ and r₂ its first two zeros, on [0, 5].
    static func besselJ0<C: Real & BinaryFloatingPoint>(_ x: C) -> C {
        let x = x < 0 ? -x : x
        if x <= 5 {
            if x < C(0.00001 as Double) { return 1 - x * x / 4 }
            let rp = polynomial(x * x, j0RP)
            let rq = polynomial(x * x, j0RQ)
            return (x * x - C(j0FirstZeroSquared)) * (x * x - C(j0SecondZeroSquared)) * rp / rq
        }
        return hankel(x, orderOne: false, secondKind: false)
    }

    /// J₁: odd; on [0, 5] x times a rational function of x² times (x² − r₁²)(x² − r₂²) (its first two zeros).
    static func besselJ1<C: Real & BinaryFloatingPoint>(_ x: C) -> C {
        if x < 0 { return -besselJ1(-x) }
        if x <= 5 {
            let rp = polynomial(x * x, j1RP)
            let rq = polynomial(x * x, j1RQ)
            return rp / rq * x * (x * x - C(j1FirstZeroSquared)) * (x * x - C(j1SecondZeroSquared))
        }
        return hankel(x, orderOne: true, secondKind: false)
    }

    /// Y₀: a rational function of x² plus (2/π)·log(x)·J₀(x) on (0, 5]; -inf at 0, NaN below.
    static func besselY0<C: Real & BinaryFloatingPoint>(_ x: C) -> C {
        if x <= 5 {
            if x == 0 { return -.infinity }
            if x < 0 { return .nan }
            let yp = polynomial(x * x, y0YP)
            let yq = polynomial(x * x, y0YQ)
            return yp / yq + C(twoOverPi) * C.log(x) * besselJ0(x)
        }
        return hankel(x, orderOne: false, secondKind: true)
    }

    /// Y₁: x·(rational function of x²) plus (2/π)·(J₁(x)·log(x) − 1/x) on (0, 5]; -inf at 0, NaN below.
    static func besselY1<C: Real & BinaryFloatingPoint>(_ x: C) -> C {
        if x <= 5 {
            if x == 0 { return -.infinity }
            if x <= 0 { return .nan }
            let yp = polynomial(x * x, y1YP)
            let yq = polynomial(x * x, y1YQ)
            return x * (yp / yq) + C(twoOverPi) * (besselJ1(x) * C.log(x) - 1 / x)
        }
        return hankel(x, orderOne: true, secondKind: true)
    }

    /// Hankel's asymptotic form for x > 5, √(2/π)/√x times P·cos(x − φ) − (5/x)·Q·sin(x − φ) for J, or
    /// P·sin(x − φ) + (5/x)·Q·cos(x − φ) for Y, with P and Q rational in (5/x)²: order 0 with φ = π/4 (ATen
    /// squares as 25/(x·x)), order 1 (`orderOne`) with φ = 3π/4 (ATen squares as (5/x)·(5/x)).
    private static func hankel<C: Real & BinaryFloatingPoint>(_ x: C, orderOne first: Bool, secondKind: Bool) -> C {
        let z = first ? 5 / x * (5 / x) : 25 / (x * x)
        let p = polynomial(z, first ? j1PP : j0PP) / polynomial(z, first ? j1PQ : j0PQ)
        let q = 5 / x * (polynomial(z, first ? j1QP : j0QP) / polynomial(z, first ? j1QQ : j0QQ))
        let phase = x - C(first ? threeQuarterPi : quarterPi)
        let wave = secondKind ? p * C.sin(phase) + q * C.cos(phase) : p * C.cos(phase) - q * C.sin(phase)
        return wave * C(sqrtTwoOverPi) / x.squareRoot()
    }

    // MARK: - Modified Bessel functions

    /// I₀ as `modified_bessel_i0_forward`: e^|x| times the Chebyshev series of e^(-|x|)·I₀ (over √|x| beyond 8).
    static func modifiedI0<C: Real & BinaryFloatingPoint>(_ x: C) -> C {
        let a = Swift.abs(x)
        if a <= 8 {
            return C.exp(a) * ModifiedBesselFirstKind.chebyshev(a / 2 - 2, ModifiedBesselFirstKind.i0Small[...])
        }
        return C.exp(a) * ModifiedBesselFirstKind.chebyshev(32 / a - 2, ModifiedBesselFirstKind.i0Large[...])
            / a.squareRoot()
    }

    /// I₁ as `modified_bessel_i1_forward` (all Chebyshev terms, float included), odd in x.
    static func modifiedI1<C: Real & BinaryFloatingPoint>(_ x: C) -> C {
        let a = Swift.abs(x)
        let value: C
        if a <= 8 {
            value = ModifiedBesselFirstKind.chebyshev(a / 2 - 2, ModifiedBesselFirstKind.i1Small[...]) * a * C.exp(a)
        } else {
            value = C.exp(a) * ModifiedBesselFirstKind.chebyshev(32 / a - 2, ModifiedBesselFirstKind.i1Large[...])
                / a.squareRoot()
        }
        return x < 0 ? -value : value
    }

    /// K₀ (or e^x·K₀ when `scaled`): on (0, 2] a Chebyshev series in x² − 2 minus log(x/2)·I₀(x), beyond that
    /// e^(-x)/√x times a series in 8/x − 2; +inf at 0, NaN below.
    private static func modifiedK0<C: Real & BinaryFloatingPoint>(_ x: C, scaled: Bool) -> C {
        if x == 0 { return .infinity }
        if x < 0 { return .nan }
        if x <= 2 {
            let series = ModifiedBesselFirstKind.chebyshev(x * x - 2, k0Small[...])
            if scaled { return (series - C.log(C(0.5) * x) * modifiedI0(x)) * C.exp(x) }
            // ATen writes `std::log(0.5 * x)` with a double literal: this difference is taken in double.
            let logTerm = Double.log(0.5 * Double(x)) * Double(modifiedI0(x))
            return C(Double(series) - logTerm)
        }
        let series = ModifiedBesselFirstKind.chebyshev(8 / x - 2, k0Large[...])
        return scaled ? series / x.squareRoot() : C.exp(-x) * series / x.squareRoot()
    }

    /// K₁ (or e^x·K₁ when `scaled`): on (0, 2] log(x/2)·I₁(x) plus a Chebyshev series in x² − 2 over x, beyond
    /// that e^(-x)/√x times a series in 8/x − 2; +inf at 0, NaN below.
    private static func modifiedK1<C: Real & BinaryFloatingPoint>(_ x: C, scaled: Bool) -> C {
        if x == 0 { return .infinity }
        if x < 0 { return .nan }
        if x <= 2 {
            let series = ModifiedBesselFirstKind.chebyshev(x * x - 2, k1Small[...])
            let value = C.log(C(0.5) * x) * modifiedI1(x) + series / x
            return scaled ? value * C.exp(x) : value
        }
        let series = ModifiedBesselFirstKind.chebyshev(8 / x - 2, k1Large[...])
        return scaled ? series / x.squareRoot() : C.exp(-x) * series / x.squareRoot()
    }

    // MARK: - Spherical Bessel j₀ and Airy Ai

    /// sin(x)/x, by its Taylor polynomial in x² below 0.5 in magnitude; 0 at ±inf.
    private static func sphericalJ0<C: Real & BinaryFloatingPoint>(_ x: C) -> C {
        if x.isInfinite { return 0 }
        if Swift.abs(x) < C(0.5) {
            // ATen's nested 1 + x²(−1/6 + x²(1/120 + …)), innermost first.
            let x2 = x * x
            var sum = C(1) / C(6227020800)
            sum = C(-1) / C(39916800) + x2 * sum
            sum = C(1) / C(362880) + x2 * sum
            sum = C(-1) / C(5040) + x2 * sum
            sum = C(1) / C(120) + x2 * sum
            sum = C(-1) / C(6) + x2 * sum
            return 1 + x2 * sum
        }
        return C.sin(x) / x
    }

    /// Ai: NaN at ±inf, 0 beyond 103.892; below −2.09 the oscillating asymptotic expansion, from 2.09 on the
    /// decaying one (ATen also sums the series up to 8.3203353 but returns the expansion), else Maclaurin's series
    /// c₁·f(x) − c₂·g(x) summed until a term falls below the type's epsilon relative to f.
    private static func airyAi<C: Real & BinaryFloatingPoint>(_ x: C) -> C {
        if x.isInfinite { return .nan }
        if x > C(103.892 as Double) { return 0 }
        if x < C(-2.09 as Double) {
            let zeta = -2 * x * (-x).squareRoot() / 3
            let z = 1 / zeta
            let f = z * z * polynomial(z * z, airyAFN) / polynomial(z * z, airyAFD)
            let g = z * polynomial(z * z, airyAGN) / polynomial(z * z, airyAGD)
            let phase = zeta + C(0.25) * C(Double.pi)
            return C(inverseSqrtPi) / (-x).squareRoot().squareRoot() * (C.sin(phase) * (1 + f) - C.cos(phase) * g)
        }
        if x >= C(2.09 as Double) {
            let zeta = 2 * x * x.squareRoot() / 3
            let ratio = polynomial(1 / zeta, airyAN) / polynomial(1 / zeta, airyAD)
            return C(inverseSqrtPi) * ratio / (2 * x.squareRoot().squareRoot() * C.exp(zeta))
        }
        var f: C = 1, g = x, k: C = 1, m: C = 1, n = x, t: C = 1
        let z = x * x * x
        while t > C.ulpOfOne {
            m *= z; k += 1; m /= k
            n *= z; k += 1; n /= k
            m /= k; f += m
            k += 1; n /= k; g += n
            t = Swift.abs(m / f)
        }
        return C(airyF) * f - C(airyG) * g
    }

    /// Horner's rule from a zero start, as ATen's loops `sum = sum * z + coefficient[i]` (highest order first).
    private static func polynomial<C: BinaryFloatingPoint>(_ z: C, _ coefficients: [Double]) -> C {
        var sum: C = 0
        for c in coefficients { sum = sum * z + C(c) }
        return sum
    }

    // MARK: - Constants (doubles, rounded to the element type where used)

    private static let quarterPi: Double = 0.785398163397448309615660845819875721
    private static let threeQuarterPi: Double = 2.356194490192344928846982537459627163
    private static let sqrtTwoOverPi: Double = 0.797884560802865355879892119868763737
    private static let twoOverPi: Double = 0.636619772367581343075535053490057448
    private static let inverseSqrtPi: Double = 5.64189583547756286948e-01
    private static let j0FirstZeroSquared: Double = 5.78318596294678452118e+00
    private static let j0SecondZeroSquared: Double = 3.04712623436620863991e+01
    private static let j1FirstZeroSquared: Double = 1.46819706421238932572e+01
    private static let j1SecondZeroSquared: Double = 4.92184563216946036703e+01
    /// Ai(0) and −Ai′(0).
    private static let airyF: Double = 0.355028053887817239260
    private static let airyG: Double = 0.258819403792806798405

    /// J₀ on [0, 5]: numerator and denominator in x².
    private static let j0RP: [Double] = [
        -4.79443220978201773821e+09, 1.95617491946556577543e+12, -2.49248344360967716204e+14, 9.70862251047306323952e+15,
    ]
    private static let j0RQ: [Double] = [
        4.99563147152651017219e+02, 1.73785401676374683123e+05, 4.84409658339962045305e+07, 1.11855537045356834862e+10,
        2.11277520115489217587e+12, 3.10518229857422583814e+14, 3.18121955943204943306e+16, 1.71086294081043136091e+18,
    ]
    /// Hankel's P and Q for order 0 (J₀ and Y₀), in (5/x)².
    private static let j0PP: [Double] = [
        7.96936729297347051624e-04, 8.28352392107440799803e-02, 1.23953371646414299388e+00, 5.44725003058768775090e+00,
        8.74716500199817011941e+00, 5.30324038235394892183e+00, 9.99999999999999997821e-01,
    ]
    private static let j0PQ: [Double] = [
        9.24408810558863637013e-04, 8.56288474354474431428e-02, 1.25352743901058953537e+00, 5.47097740330417105182e+00,
        8.76190883237069594232e+00, 5.30605288235394617618e+00, 1.00000000000000000218e+00,
    ]
    private static let j0QP: [Double] = [
        -1.13663838898469149931e-02, -1.28252718670509318512e+00, -1.95539544257735972385e+01, -9.32060152123768231369e+01,
        -1.77681167980488050595e+02, -1.47077505154951170175e+02, -5.14105326766599330220e+01, -6.05014350600728481186e+00,
    ]
    private static let j0QQ: [Double] = [
        6.43178256118178023184e+01, 8.56430025976980587198e+02, 3.88240183605401609683e+03, 7.24046774195652478189e+03,
        5.93072701187316984827e+03, 2.06209331660327847417e+03, 2.42005740240291393179e+02,
    ]
    /// Y₀ on (0, 5]: numerator and denominator in x².
    private static let y0YP: [Double] = [
        1.55924367855235737965e+04, -1.46639295903971606143e+07, 5.43526477051876500413e+09, -9.82136065717911466409e+11,
        8.75906394395366999549e+13, -3.46628303384729719441e+15, 4.42733268572569800351e+16, -1.84950800436986690637e+16,
    ]
    private static let y0YQ: [Double] = [
        1.04128353664259848412e+03, 6.26107330137134956842e+05, 2.68919633393814121987e+08, 8.64002487103935000337e+10,
        2.02979612750105546709e+13, 3.17157752842975028269e+15, 2.50596256172653059228e+17,
    ]
    /// J₁ on [0, 5]: numerator and denominator in x².
    private static let j1RP: [Double] = [
        -8.99971225705559398224e+08, 4.52228297998194034323e+11, -7.27494245221818276015e+13, 3.68295732863852883286e+15,
    ]
    private static let j1RQ: [Double] = [
        6.20836478118054335476e+02, 2.56987256757748830383e+05, 8.35146791431949253037e+07, 2.21511595479792499675e+10,
        4.74914122079991414898e+12, 7.84369607876235854894e+14, 8.95222336184627338078e+16, 5.32278620332680085395e+18,
    ]
    /// Hankel's P and Q for order 1 (J₁ and Y₁), in (5/x)².
    private static let j1PP: [Double] = [
        7.62125616208173112003e-04, 7.31397056940917570436e-02, 1.12719608129684925192e+00, 5.11207951146807644818e+00,
        8.42404590141772420927e+00, 5.21451598682361504063e+00, 1.00000000000000000254e+00,
    ]
    private static let j1PQ: [Double] = [
        5.71323128072548699714e-04, 6.88455908754495404082e-02, 1.10514232634061696926e+00, 5.07386386128601488557e+00,
        8.39985554327604159757e+00, 5.20982848682361821619e+00, 9.99999999999999997461e-01,
    ]
    private static let j1QP: [Double] = [
        5.10862594750176621635e-02, 4.98213872951233449420e+00, 7.58238284132545283818e+01, 3.66779609360150777800e+02,
        7.10856304998926107277e+02, 5.97489612400613639965e+02, 2.11688757100572135698e+02, 2.52070205858023719784e+01,
    ]
    private static let j1QQ: [Double] = [
        7.42373277035675149943e+01, 1.05644886038262816351e+03, 4.98641058337653607651e+03, 9.56231892404756170795e+03,
        7.99704160447350683650e+03, 2.82619278517639096600e+03, 3.36093607810698293419e+02,
    ]
    /// Y₁ on (0, 5]: numerator and denominator in x².
    private static let y1YP: [Double] = [
        1.26320474790178026440e+09, -6.47355876379160291031e+11, 1.14509511541823727583e+14, -8.12770255501325109621e+15,
        2.02439475713594898196e+17, -7.78877196265950026825e+17,
    ]
    private static let y1YQ: [Double] = [
        5.94301592346128195359e+02, 2.35564092943068577943e+05, 7.34811944459721705660e+07, 1.87601316108706159478e+10,
        3.88231277496238566008e+12, 6.20557727146953693363e+14, 6.87141087355300489866e+16, 3.97270608116560655612e+18,
    ]
    /// K₀ + log(x/2)·I₀ on (0, 2], Chebyshev in x² − 2 (highest order first).
    private static let k0Small: [Double] = [
        1.37446543561352307156e-16, 4.25981614279661018399e-14, 1.03496952576338420167e-11, 1.90451637722020886025e-09,
        2.53479107902614945675e-07, 2.28621210311945178607e-05, 1.26461541144692592338e-03, 3.59799365153615016266e-02,
        3.44289899924628486886e-01, -5.35327393233902768720e-01,
    ]
    /// e^x·√x·K₀ on (2, ∞), Chebyshev in 8/x − 2.
    private static let k0Large: [Double] = [
        5.30043377268626276149e-18, -1.64758043015242134646e-17, 5.21039150503902756861e-17, -1.67823109680541210385e-16,
        5.51205597852431940784e-16, -1.84859337734377901440e-15, 6.34007647740507060557e-15, -2.22751332699166985548e-14,
        8.03289077536357521100e-14, -2.98009692317273043925e-13, 1.14034058820847496303e-12, -4.51459788337394416547e-12,
        1.85594911495471785253e-11, -7.95748924447710747776e-11, 3.57739728140030116597e-10, -1.69753450938905987466e-09,
        8.57403401741422608519e-09, -4.66048989768794782956e-08, 2.76681363944501510342e-07, -1.83175552271911948767e-06,
        1.39498137188764993662e-05, -1.28495495816278026384e-04, 1.56988388573005337491e-03, -3.14481013119645005427e-02,
        2.44030308206595545468e+00,
    ]
    /// x·(K₁ − log(x/2)·I₁) on (0, 2], Chebyshev in x² − 2.
    private static let k1Small: [Double] = [
        -7.02386347938628759343e-18, -2.42744985051936593393e-15, -6.66690169419932900609e-13, -1.41148839263352776110e-10,
        -2.21338763073472585583e-08, -2.43340614156596823496e-06, -1.73028895751305206302e-04, -6.97572385963986435018e-03,
        -1.22611180822657148235e-01, -3.53155960776544875667e-01, 1.52530022733894777053e+00,
    ]
    /// e^x·√x·K₁ on (2, ∞), Chebyshev in 8/x − 2.
    private static let k1Large: [Double] = [
        -5.75674448366501715755e-18, 1.79405087314755922667e-17, -5.68946255844285935196e-17, 1.83809354436663880070e-16,
        -6.05704724837331885336e-16, 2.03870316562433424052e-15, -7.01983709041831346144e-15, 2.47715442448130437068e-14,
        -8.97670518232499435011e-14, 3.34841966607842919884e-13, -1.28917396095102890680e-12, 5.13963967348173025100e-12,
        -2.12996783842756842877e-11, 9.21831518760500529508e-11, -4.19035475934189648750e-10, 2.01504975519703286596e-09,
        -1.03457624656780970260e-08, 5.74108412545004946722e-08, -3.50196060308781257119e-07, 2.40648494783721712015e-06,
        -1.93619797416608296024e-05, 1.95215518471351631108e-04, -2.85781685962277938680e-03, 1.03923736576817238437e-01,
        2.72062619048444266945e+00,
    ]
    /// Ai for x ≥ 2.09: numerator and denominator in 1/ζ, ζ = (2/3)·x^(3/2).
    private static let airyAN: [Double] = [
        3.46538101525629032477e-01, 1.20075952739645805542e+01, 7.62796053615234516538e+01, 1.68089224934630576269e+02,
        1.59756391350164413639e+02, 7.05360906840444183113e+01, 1.40264691163389668864e+01, 9.99999999999999995305e-01,
    ]
    private static let airyAD: [Double] = [
        5.67594532638770212846e-01, 1.47562562584847203173e+01, 8.45138970141474626562e+01, 1.77318088145400459522e+02,
        1.64234692871529701831e+02, 7.14778400825575695274e+01, 1.40959135607834029598e+01, 1.00000000000000000470e+00,
    ]
    /// Ai for x < −2.09: the sine and cosine amplitudes' rational functions in 1/ζ².
    private static let airyAFN: [Double] = [
        -1.31696323418331795333e-01, -6.26456544431912369773e-01, -6.93158036036933542233e-01, -2.79779981545119124951e-01,
        -4.91900132609500318020e-02, -4.06265923594885404393e-03, -1.59276496239262096340e-04, -2.77649108155232920844e-06,
        -1.67787698489114633780e-08,
    ]
    private static let airyAFD: [Double] = [
        1.33560420706553243746e+01, 3.26825032795224613948e+01, 2.67367040941499554804e+01, 9.18707402907259625840e+00,
        1.47529146771666414581e+00, 1.15687173795188044134e-01, 4.40291641615211203805e-03, 7.54720348287414296618e-05,
        4.51850092970580378464e-07,
    ]
    private static let airyAGN: [Double] = [
        1.97339932091685679179e-02, 3.91103029615688277255e-01, 1.06579897599595591108e+00, 9.39169229816650230044e-01,
        3.51465656105547619242e-01, 6.33888919628925490927e-02, 5.85804113048388458567e-03, 2.82851600836737019778e-04,
        6.98793669997260967291e-06, 8.11789239554389293311e-08, 3.41551784765923618484e-10,
    ]
    private static let airyAGD: [Double] = [
        9.30892908077441974853e+00, 1.98352928718312140417e+01, 1.55646628932864612953e+01, 5.47686069422975497931e+00,
        9.54293611618961883998e-01, 8.64580826352392193095e-02, 4.12656523824222607191e-03, 1.01259085116509135510e-04,
        1.17166733214413521882e-06, 4.91834570062930015649e-09,
    ]
}
