#ifndef FLINT_RECURRENT_H
#define FLINT_RECURRENT_H

#include <stddef.h>
#include <stdint.h>

#include "flint_pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/// One direction of one float32 LSTM layer over a whole sequence, in one call: for each step t (in order,
/// or from the last step back when `reverse`)
///
///     gates = projected[t] + (h · w_hhᵀ + b_hh)        (blocks i, f, g, o of `hidden` columns each)
///     c     = σ(f) · c + σ(i) · tanh(g)
///     h     = σ(o) · tanh(c)                            → output[t]
///
/// starting from h0 and c0. The input projection `x · w_ihᵀ + b_ih` of every step is the caller's, one
/// GEMM before the call. Each step splits the hidden units between the pool's threads (every thread
/// computes the four gate rows of its units, then their cell update), so a step costs one parallel loop and
/// no allocation.
/// The geometry of one call (LSTM or GRU).
typedef struct flint_lstm_desc {
    int64_t steps, batch, hidden;
    int reverse;
} flint_lstm_desc;

/// All arrays float32 and contiguous: projected [steps, batch, 4·hidden]; w_hh [4·hidden, hidden]; b_hh
/// [4·hidden] or NULL; h0, c0 [batch, hidden]; output [steps, batch, hidden]; h_n, c_n [batch, hidden]
/// (the last step's states; c_n also serves as the running cell state, so it must not alias c0 unless
/// equal to it). Returns 0, or -1 when a scratch buffer cannot be allocated (nothing is written then).
int flint_lstm_f32(flint_pool *pool, const flint_lstm_desc *desc, const float *projected, const float *w_hh,
                   const float *b_hh, const float *h0, const float *c0, float *output, float *h_n, float *c_n);

/// The same for one direction of a float32 GRU layer (gate blocks r, z, n of `hidden` columns each):
///
///     r = σ(x_r + h · w_hrᵀ + b_hr),  z = σ(x_z + h · w_hzᵀ + b_hz)
///     n = tanh(x_n + r · (h · w_hnᵀ + b_hn))
///     h = n + z · (h - n)                               → output[t]
///
/// with projected [steps, batch, 3·hidden] (x · w_ihᵀ + b_ih), w_hh [3·hidden, hidden], b_hh [3·hidden] or
/// NULL, h0 [batch, hidden], output [steps, batch, hidden] and h_n [batch, hidden].
int flint_gru_f32(flint_pool *pool, const flint_lstm_desc *desc, const float *projected, const float *w_hh,
                  const float *b_hh, const float *h0, float *output, float *h_n);

#ifdef __cplusplus
}
#endif

#endif
