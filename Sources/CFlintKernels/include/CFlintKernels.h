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

#endif
