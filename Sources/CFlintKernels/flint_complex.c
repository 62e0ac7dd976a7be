// The complex elementary functions of C99 (and cpow) (Annex G: their values at infinities, NaNs and signed zeros), which
// libtorch's CPU kernels get through std::complex: exp, log, sqrt, sin, cos and tanh of one complex number, in
// double and single precision. Each takes and returns the (real, imaginary) parts.
#include <complex.h>
#include "CFlintKernels.h"

#define FLINT_COMPLEX_FUNCTION(NAME, FN, T, CT)                                         \
    void NAME(T re, T im, T *out_re, T *out_im) {                                       \
        CT z;                                                                           \
        __real__ z = re;                                                                \
        __imag__ z = im;                                                                \
        CT r = FN(z);                                                                   \
        *out_re = __real__ r;                                                           \
        *out_im = __imag__ r;                                                           \
    }

FLINT_COMPLEX_FUNCTION(flint_cexp, cexp, double, double complex)
FLINT_COMPLEX_FUNCTION(flint_clog, clog, double, double complex)
FLINT_COMPLEX_FUNCTION(flint_csqrt, csqrt, double, double complex)
FLINT_COMPLEX_FUNCTION(flint_csin, csin, double, double complex)
FLINT_COMPLEX_FUNCTION(flint_ccos, ccos, double, double complex)
FLINT_COMPLEX_FUNCTION(flint_ctanh, ctanh, double, double complex)
FLINT_COMPLEX_FUNCTION(flint_cexpf, cexpf, float, float complex)
FLINT_COMPLEX_FUNCTION(flint_clogf, clogf, float, float complex)
FLINT_COMPLEX_FUNCTION(flint_csqrtf, csqrtf, float, float complex)
FLINT_COMPLEX_FUNCTION(flint_csinf, csinf, float, float complex)
FLINT_COMPLEX_FUNCTION(flint_ccosf, ccosf, float, float complex)
FLINT_COMPLEX_FUNCTION(flint_ctanhf, ctanhf, float, float complex)

// z^w = exp(w · log z) (glibc's cpow, which libstdc++'s std::pow of two complex numbers calls).
void flint_cpow(double re, double im, double wre, double wim, double *out_re, double *out_im) {
    double complex z, w;
    __real__ z = re;
    __imag__ z = im;
    __real__ w = wre;
    __imag__ w = wim;
    double complex r = cpow(z, w);
    *out_re = __real__ r;
    *out_im = __imag__ r;
}

void flint_cpowf(float re, float im, float wre, float wim, float *out_re, float *out_im) {
    float complex z, w;
    __real__ z = re;
    __imag__ z = im;
    __real__ w = wre;
    __imag__ w = wim;
    float complex r = cpowf(z, w);
    *out_re = __real__ r;
    *out_im = __imag__ r;
}
