#include "flint_recurrent.h"

#include <string.h>

#include "flint_internal.h"
#include "flint_pointwise.h"

/* Hidden units go to threads in blocks of this many (whole vectors for the pointwise part). */
#define LSTM_UNIT_BLOCK 16

/* Multiply-adds of a step's recurrent product per extra thread. Half the GEMV figure: w_hh is read again at
 * every step, so it comes from cache, not memory, and a thread pays sooner. */
static int64_t step_macs_per_thread(void) { return flint__gemv_macs_per_thread / 2; }

typedef struct lstm_step {
    const flint_gemm_kernel *K;
    int64_t batch, hidden;
    const float *projected; /* this step's [batch, G·H] (G = 4 gates for the LSTM, 3 for the GRU) */
    const float *w_hh, *b_hh;
    const float *h_prev;    /* [batch, H] */
    float *c;               /* [batch, H], updated in place (LSTM only) */
    float *h;               /* this step's output [batch, H] */
    float *gates;           /* [batch, G·H] scratch, columns split between threads */
} lstm_step;

static inline int64_t min64(int64_t x, int64_t y) { return x < y ? x : y; }

/* The hidden units [*j0, *j1) of blocks [block0, block1). */
static inline void unit_range(const lstm_step *s, int64_t block0, int64_t block1, int64_t *j0, int64_t *j1) {
    *j0 = block0 * LSTM_UNIT_BLOCK;
    *j1 = min64(block1 * LSTM_UNIT_BLOCK, s->hidden);
}

/* gates[b, g·H + j] = h_prev[b] · w_hh[g·H + j] + b_hh[g·H + j] for the `gate_count` gate blocks and units
 * [j0, j1): the recurrent part of every gate, both cells' first step. */
static void recurrent_product(const lstm_step *s, int gate_count, int64_t j0, int64_t j1) {
    const int64_t H = s->hidden, width = gate_count * H;
    for (int gate = 0; gate < gate_count; ++gate) {
        const float *w = s->w_hh + (gate * H + j0) * H;
        for (int64_t b0 = 0; b0 < s->batch; b0 += FLINT_DOT_MAX_NX) {
            const int nx = (int)min64(FLINT_DOT_MAX_NX, s->batch - b0);
            s->K->gemm_dot(j1 - j0, H, w, H, nx, s->h_prev + b0 * H, H, s->gates + b0 * width + gate * H + j0, width, 1);
        }
        if (!s->b_hh) continue;
        const float *bias = s->b_hh + gate * H;
        for (int64_t b = 0; b < s->batch; ++b) {
            float *row = s->gates + b * width + gate * H;
            for (int64_t j = j0; j < j1; ++j) row[j] += bias[j];
        }
    }
}

/* Units [block0 * 16, block1 * 16) of one step: their four gate rows for every batch row, then their cell
 * update. Threads touch disjoint columns of `gates`, `c` and `h`; all read `h_prev`. */
static void lstm_units(void *ctx, int64_t block0, int64_t block1, int thread_index) {
    (void)thread_index;
    const lstm_step *s = (const lstm_step *)ctx;
    const int64_t H = s->hidden, width = 4 * H;
    int64_t j0, j1;
    unit_range(s, block0, block1, &j0, &j1);
    const int64_t n = j1 - j0;
    recurrent_product(s, 4, j0, j1);
    for (int64_t b = 0; b < s->batch; ++b) {
        float *g = s->gates + b * width;
        const float *x = s->projected + b * width;
        /* gates = projected + (h · w_hhᵀ + b_hh), in that order, like the unfused cell. */
        for (int gate = 0; gate < 4; ++gate) {
            float *row = g + gate * H;
            const float *xr = x + gate * H;
            for (int64_t j = j0; j < j1; ++j) row[j] = xr[j] + row[j];
        }
        float *in = g + j0, *forget = g + H + j0, *cand = g + 2 * H + j0, *out = g + 3 * H + j0;
        flint_sigmoid_f32(in, in, n);
        flint_sigmoid_f32(forget, forget, n);
        flint_tanh_f32(cand, cand, n);
        flint_sigmoid_f32(out, out, n);
        float *c = s->c + b * H + j0, *h = s->h + b * H + j0;
        for (int64_t j = 0; j < n; ++j) c[j] = forget[j] * c[j] + in[j] * cand[j];
        /* tanh(c) into the candidate block, which is spent. */
        flint_tanh_f32(c, cand, n);
        for (int64_t j = 0; j < n; ++j) h[j] = out[j] * cand[j];
    }
}

/* The gate buffer of a call: scratch slot 7 of the calling thread (the workers write their columns of it). */
static float *gate_scratch(const flint_lstm_desc *desc, int gate_count) {
    return (float *)flint__scratch(7, (size_t)(desc->batch * gate_count * desc->hidden) * sizeof(float) + 64);
}

/* The step loop both cells share: `gate_count` gate blocks per unit, `units` computing one step's units, with
 * s->gates (and, for the LSTM, s->c) set by the caller. Leaves the last step's h in h_n. */
static void run_steps(flint_pool *pool, const flint_lstm_desc *desc, int gate_count, flint_parallel_body units,
                      lstm_step *s, const float *projected, float *output, float *h_n) {
    const int64_t steps = desc->steps, batch = desc->batch, H = desc->hidden;
    s->K = flint__kernel();
    const int64_t blocks = (H + LSTM_UNIT_BLOCK - 1) / LSTM_UNIT_BLOCK;
    const int64_t macs_per_block = gate_count * LSTM_UNIT_BLOCK * H * batch;
    const int64_t per_thread = macs_per_block > 0 ? (step_macs_per_thread() + macs_per_block - 1) / macs_per_block : 1;
    for (int64_t i = 0; i < steps; ++i) {
        const int64_t t = desc->reverse ? steps - 1 - i : i;
        s->projected = projected + t * batch * gate_count * H;
        s->h = output + t * batch * H;
        flint_parallel_for(pool, blocks, per_thread, units, s);
        s->h_prev = s->h;
    }
    memmove(h_n, s->h_prev, (size_t)(batch * H) * sizeof(float));
}

int flint_lstm_f32(flint_pool *pool, const flint_lstm_desc *desc, const float *projected, const float *w_hh,
                   const float *b_hh, const float *h0, const float *c0, float *output, float *h_n, float *c_n) {
    /* The scratch first (a failure writes nothing), then the running cell state. */
    float *gates = gate_scratch(desc, 4);
    if (!gates) return -1;
    if (c_n != c0) memmove(c_n, c0, (size_t)(desc->batch * desc->hidden) * sizeof(float));
    lstm_step s = {NULL, desc->batch, desc->hidden, NULL, w_hh, b_hh, h0, c_n, NULL, gates};
    run_steps(pool, desc, 4, lstm_units, &s, projected, output, h_n);
    return 0;
}

/* Units [block0 * 16, block1 * 16) of one GRU step. */
static void gru_units(void *ctx, int64_t block0, int64_t block1, int thread_index) {
    (void)thread_index;
    const lstm_step *s = (const lstm_step *)ctx;
    const int64_t H = s->hidden, width = 3 * H;
    int64_t j0, j1;
    unit_range(s, block0, block1, &j0, &j1);
    const int64_t n = j1 - j0;
    recurrent_product(s, 3, j0, j1);
    for (int64_t b = 0; b < s->batch; ++b) {
        float *g = s->gates + b * width;
        const float *x = s->projected + b * width;
        /* The recurrent parts (bias included): r and z add to the input's, n is scaled by r first. */
        float *reset = g + j0, *update = g + H + j0, *cand = g + 2 * H + j0;
        const float *xr = x + j0, *xz = x + H + j0, *xn = x + 2 * H + j0;
        for (int64_t j = 0; j < n; ++j) {
            reset[j] = xr[j] + reset[j];
            update[j] = xz[j] + update[j];
        }
        flint_sigmoid_f32(reset, reset, n);
        flint_sigmoid_f32(update, update, n);
        for (int64_t j = 0; j < n; ++j) cand[j] = xn[j] + reset[j] * cand[j];
        flint_tanh_f32(cand, cand, n);
        /* h' = (1 - z) n + z h = n + z (h - n). */
        const float *h_prev = s->h_prev + b * H + j0;
        float *h = s->h + b * H + j0;
        for (int64_t j = 0; j < n; ++j) h[j] = cand[j] + update[j] * (h_prev[j] - cand[j]);
    }
}

int flint_gru_f32(flint_pool *pool, const flint_lstm_desc *desc, const float *projected, const float *w_hh,
                  const float *b_hh, const float *h0, float *output, float *h_n) {
    float *gates = gate_scratch(desc, 3);
    if (!gates) return -1;
    lstm_step s = {NULL, desc->batch, desc->hidden, NULL, w_hh, b_hh, h0, NULL, NULL, gates};
    run_steps(pool, desc, 3, gru_units, &s, projected, output, h_n);
    return 0;
}
