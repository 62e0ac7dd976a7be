#ifndef CFLINT_KERNELS_H
#define CFLINT_KERNELS_H

#include "flint_pool.h"
#include "flint_gemm.h"
#include "flint_pointwise.h"
#include "flint_conv_direct.h"
#include "flint_im2col.h"
#include "flint_conv_narrow.h"
#include "flint_qgemm.h"
#include "flint_quantized.h"
#include "flint_winograd.h"
#include "flint_recurrent.h"
#include "flint_attention.h"

// C99's complex exp, log, sqrt, sin, cos and tanh (Annex G special values), of (re, im) in double and float.
void flint_cexp(double re, double im, double *out_re, double *out_im);
void flint_clog(double re, double im, double *out_re, double *out_im);
void flint_csqrt(double re, double im, double *out_re, double *out_im);
void flint_csin(double re, double im, double *out_re, double *out_im);
void flint_ccos(double re, double im, double *out_re, double *out_im);
void flint_ctanh(double re, double im, double *out_re, double *out_im);
void flint_cexpf(float re, float im, float *out_re, float *out_im);
void flint_clogf(float re, float im, float *out_re, float *out_im);
void flint_csqrtf(float re, float im, float *out_re, float *out_im);
void flint_csinf(float re, float im, float *out_re, float *out_im);
void flint_ccosf(float re, float im, float *out_re, float *out_im);
void flint_ctanhf(float re, float im, float *out_re, float *out_im);
// C99's cpow: (re, im) raised to (wre, wim).
void flint_cpow(double re, double im, double wre, double wim, double *out_re, double *out_im);
void flint_cpowf(float re, float im, float wre, float wim, float *out_re, float *out_im);

#endif
