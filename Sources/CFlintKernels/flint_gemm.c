#include "flint_internal.h"

#include <stdlib.h>
#include <string.h>

/* Blocked SGEMM driver (GotoBLAS / BLIS loop nest):
 *   jc over N by nc   -- B block kc x nc packed once per (jc, pc), lives in L2/L3 (a wide row-major B
 *                        is read in place instead, by the direct micro-kernels, where the CPU has them)
 *   pc over K by kc   -- first block applies beta/bias/residual, last block the activation
 *   ic over M by mc   -- A block mc x kc packed, lives in L2
 *   jr over nc by NR  -- B micro-panel kc x NR stays in L1
 *   ir over mc by MR  -- micro-kernel on an MR x NR tile held in registers
 * Threads split C into a grid of MR/NR-aligned blocks; each runs the whole nest on its block with its
 * own packing buffers, so there is no synchronisation inside a product. */

/* Work (multiply-adds) below which an extra thread does not pay for its start. A variable so the
 * self-test can force the threaded paths on small shapes. */
int64_t flint__gemm_macs_per_thread = (int64_t)1 << 20;

#define PACK_MAGIC_A 0x41504c46u /* "FLPA" */
#define PACK_MAGIC_B 0x42504c46u /* "FLPB" */
#define PACK_HEADER_BYTES 64

typedef struct pack_header {
    uint32_t magic;
    int32_t kernel_id;
    int32_t panel;
    int32_t reserved;
    int64_t rows;
    int64_t cols;
    int64_t kc;
} pack_header;

typedef struct gemm_ctx {
    const flint_gemm_kernel *K;
    int64_t m, n, k;
    const float *a;
    int64_t rsa, csa;
    const float *b;
    int64_t rsb, csb;
    const float *pa; /* packed A data or NULL; block pc starts at pc * m_pad */
    int64_t m_pad;
    const float *pb; /* packed B data or NULL; block pc starts at pc * n_pad */
    int64_t n_pad;
    float *c;
    int64_t ldc;
    flint_tile_epi epi;
    int64_t kc, mc, nc;
    int tm, tn;
    int64_t mpanels, npanels;
} gemm_ctx;

/* The narrowest B read in place by the direct micro-kernels (gemm_block). */
#define FLINT_DIRECT_MIN_COLUMNS 128

static inline int64_t min64(int64_t x, int64_t y) { return x < y ? x : y; }
static inline int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

/* One (ic, jc, pc) block. `bp` is the packed B block, or with `ldb` > 0 B itself at (pc, jc) with row stride
 * ldb (read in place by the direct micro-kernels). */
static void macro_kernel(const gemm_ctx *g, const float *ap, const float *bp, int64_t ldb, int64_t ic, int64_t mcur,
                         int64_t jc, int64_t ncur, int64_t kcur, int first, int last) {
    const flint_gemm_kernel *K = g->K;
    const int MR = K->mr, NR = K->nr;
    _Alignas(64) float tmp[FLINT_MAX_MR * FLINT_MAX_NR];
    /* The raw sums of the column kernel for a group of row panels. */
    float columns[FLINT_COLUMNS_TILES * FLINT_MAX_MR * FLINT_COLUMNS_MAX];
    flint_tile_epi raw;
    memset(&raw, 0, sizeof(raw));
    for (int64_t jr = 0; jr < ncur; jr += NR) {
        const int64_t nr = min64(NR, ncur - jr);
        const float *bpp = ldb > 0 ? bp + jr : bp + jr * kcur;
        const int64_t panel_stride = ldb > 0 ? ldb : NR;
        /* A partial tile's last 1-4 columns past a whole vector go to the column kernel (16: the lanes of the
         * instruction set that has one, AVX-512); `head` columns to the edge kernel. */
        const int64_t tail = K->ukernel_columns ? nr % 16 : 0;
        const int64_t head = tail > 0 && tail <= FLINT_COLUMNS_MAX ? nr - tail : nr;
        for (int64_t ir = 0; ir < mcur; ir += MR) {
            const int64_t mr = min64(MR, mcur - ir);
            /* The tail columns of the next FLINT_COLUMNS_TILES row panels, computed together (see the kernel). */
            const int64_t tile_in_group = (ir / MR) % FLINT_COLUMNS_TILES;
            if (head < nr && tile_in_group == 0) {
                const int64_t tiles = min64(FLINT_COLUMNS_TILES, (mcur - ir + MR - 1) / MR);
                K->ukernel_columns(kcur, ap + ir * kcur, tiles, bpp + head, panel_stride, nr - head, columns);
            }
            const int64_t row = ic + ir, col = jc + jr;
            const float *pa = ap + ir * kcur;
            float *cp = g->c + row * g->ldc + col;
            flint_tile_epi te = flint__epi_at(&g->epi, row, col, first, last);
            if (mr == MR && nr == NR) {
                if (ldb > 0)
                    K->ukernel_direct(kcur, pa, bpp, ldb, cp, g->ldc, &te);
                else
                    K->ukernel(kcur, pa, bpp, cp, g->ldc, &te);
            } else if (ldb > 0 || K->ukernel_edge) {
                if (head > 0 && ldb > 0)
                    K->ukernel_edge_direct(kcur, pa, bpp, ldb, cp, g->ldc, mr, head, &te);
                else if (head > 0)
                    K->ukernel_edge(kcur, pa, bpp, cp, g->ldc, mr, head, &te);
                if (head < nr) {
                    flint_tile_epi tail_epi = flint__epi_at(&g->epi, row, col + head, first, last);
                    flint__epilogue_tile(columns + tile_in_group * MR * (nr - head), nr - head, cp + head, g->ldc, mr, nr - head, &tail_epi);
                }
            } else {
                K->ukernel(kcur, pa, bpp, tmp, NR, &raw);
                flint__epilogue_tile(tmp, NR, cp, g->ldc, mr, nr, &te);
            }
            flint__epilogue_function(&te, cp, g->ldc, mr, nr);
        }
    }
}

/* The whole loop nest on rows [i0, i1) x columns [j0, j1) of C; i0 and j0 are MR / NR aligned. */
static void gemm_block(const gemm_ctx *g, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
    const flint_gemm_kernel *K = g->K;
    const int MR = K->mr, NR = K->nr;
    const int64_t k = g->k, kc = g->kc, mc = g->mc, nc = g->nc;
    float *bufa = NULL, *bufb = NULL;
    /* A wide B lying row-major in memory (unit column stride) is read where it lies instead of packed: packing
     * a 1x1 convolution's input costs a pass over it and a copy as large, which in a model (input just out of
     * cache) cost mobilenet_v2 4-6% at 1 thread. Narrower ones (attention's 64 columns) stay packed. */
    const int direct = !g->pb && g->csb == 1 && g->rsb >= g->n && g->n >= FLINT_DIRECT_MIN_COLUMNS && K->ukernel_direct;
    if (!g->pb && !direct) {
        size_t floats = (size_t)(min64(kc, k) * round_up(min64(nc, j1 - j0), NR) + FLINT_PACK_SLACK);
        bufb = (float *)flint__scratch(0, floats * sizeof(float));
        if (!bufb) abort();
    }
    if (!g->pa) {
        size_t floats = (size_t)(min64(kc, k) * round_up(min64(mc, i1 - i0), MR) + FLINT_PACK_SLACK);
        bufa = (float *)flint__scratch(1, floats * sizeof(float));
        if (!bufa) abort();
    }
    for (int64_t jc = j0; jc < j1; jc += nc) {
        const int64_t ncur = min64(nc, j1 - jc);
        for (int64_t pc = 0; pc < k; pc += kc) {
            const int64_t kcur = min64(kc, k - pc);
            const int first = pc == 0, last = pc + kcur == k;
            const float *bp;
            int64_t ldb = 0;
            if (g->pb) {
                bp = g->pb + pc * g->n_pad + jc * kcur;
            } else if (direct) {
                bp = g->b + pc * g->rsb + jc;
                ldb = g->rsb;
            } else {
                K->pack_b(kcur, ncur, g->b + pc * g->rsb + jc * g->csb, g->rsb, g->csb, NR, bufb);
                bp = bufb;
            }
            for (int64_t ic = i0; ic < i1; ic += mc) {
                const int64_t mcur = min64(mc, i1 - ic);
                const float *ap;
                if (g->pa) {
                    ap = g->pa + pc * g->m_pad + ic * kcur;
                } else {
                    K->pack_a(mcur, kcur, g->a + ic * g->rsa + pc * g->csa, g->rsa, g->csa, MR, bufa);
                    ap = bufa;
                }
                macro_kernel(g, ap, bp, ldb, ic, mcur, jc, ncur, kcur, first, last);
            }
        }
    }
}

static void gemm_thread(void *ctx, int64_t begin, int64_t end, int thread_index) {
    (void)thread_index;
    const gemm_ctx *g = (const gemm_ctx *)ctx;
    const int MR = g->K->mr, NR = g->K->nr;
    for (int64_t t = begin; t < end; ++t) {
        const int64_t ti = t / g->tn, tj = t % g->tn;
        const int64_t i0 = g->mpanels * ti / g->tm * MR, i1 = min64(g->m, g->mpanels * (ti + 1) / g->tm * MR);
        const int64_t j0 = g->npanels * tj / g->tn * NR, j1 = min64(g->n, g->npanels * (tj + 1) / g->tn * NR);
        if (i0 < i1 && j0 < j1) gemm_block(g, i0, i1, j0, j1);
    }
}

/* Picks the thread count and the tm x tn grid, then runs. */
static void gemm_run(flint_pool *pool, gemm_ctx *g) {
    const int MR = g->K->mr, NR = g->K->nr;
    g->mpanels = (g->m + MR - 1) / MR;
    g->npanels = (g->n + NR - 1) / NR;
    int64_t nt = 1;
    const int threads = flint_pool_threads(pool);
    if (threads > 1) {
        const double macs = (double)g->m * (double)g->n * (double)g->k;
        const double want = macs / (double)flint__gemm_macs_per_thread;
        nt = want >= threads ? threads : (int64_t)want;
        if (nt > g->mpanels * g->npanels) nt = g->mpanels * g->npanels;
        if (nt < 1) nt = 1;
    }
    g->tm = 1;
    g->tn = 1;
    /* The tm x tn = nt grid with the cheapest largest block; fewer threads if nt has no grid that fits. */
    for (; nt > 1 && g->tm * g->tn == 1; --nt) {
        double best = 0;
        for (int64_t tm = 1; tm <= nt; ++tm) {
            if (nt % tm) continue;
            const int64_t tn = nt / tm;
            if (tm > g->mpanels || tn > g->npanels) continue;
            /* The largest block's real rows and columns, as gemm_thread cuts them (a partial last panel is
             * not padded work: the edge and column micro-kernels take it). */
            double rows = 0, cols = 0;
            for (int64_t ti = 0; ti < tm; ++ti) {
                const int64_t i0 = g->mpanels * ti / tm * MR, i1 = min64(g->m, g->mpanels * (ti + 1) / tm * MR);
                if ((double)(i1 - i0) > rows) rows = (double)(i1 - i0);
            }
            for (int64_t tj = 0; tj < tn; ++tj) {
                const int64_t j0 = g->npanels * tj / tn * NR, j1 = min64(g->n, g->npanels * (tj + 1) / tn * NR);
                if ((double)(j1 - j0) > cols) cols = (double)(j1 - j0);
            }
            /* Work of the largest block plus the cost of packing its operands (~8 MACs per element). */
            const double cost = rows * cols + 8.0 * (rows + cols);
            if (best == 0 || cost < best) {
                best = cost;
                g->tm = (int)tm;
                g->tn = (int)tn;
            }
        }
    }
    nt = (int64_t)g->tm * g->tn;
    if (nt == 1) {
        gemm_block(g, 0, g->m, 0, g->n);
    } else {
        flint_parallel_for(pool, nt, 1, gemm_thread, g);
    }
}

static void gemm_init(gemm_ctx *g, const flint_gemm_kernel *K, int64_t m, int64_t n, int64_t k, float *c,
                      int64_t ldc, const flint_gemm_epilogue *ep) {
    memset(g, 0, sizeof(*g));
    g->K = K;
    g->m = m;
    g->n = n;
    g->k = k;
    g->c = c;
    g->ldc = ldc;
    g->epi = flint__epi_normalize(ep);
    g->kc = K->kc;
    g->mc = K->mc;
    g->nc = K->nc;
}

/* k == 0: C = epilogue(0). */
static void gemm_k0(int64_t m, int64_t n, float *c, int64_t ldc, const flint_gemm_epilogue *ep) {
    flint_tile_epi e = flint__epi_normalize(ep);
    flint__epilogue_tile(NULL, 0, c, ldc, m, n, &e);
    flint__epilogue_function(&e, c, ldc, m, n);
}

void flint_sgemm(flint_pool *pool, int64_t m, int64_t n, int64_t k,
                 const float *a, int64_t a_row_stride, int64_t a_col_stride,
                 const float *b, int64_t b_row_stride, int64_t b_col_stride,
                 float *c, int64_t c_row_stride,
                 const flint_gemm_epilogue *epilogue) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        gemm_k0(m, n, c, c_row_stride, epilogue);
        return;
    }
    const flint_gemm_kernel *K = flint__kernel();
    if (m <= FLINT_THIN_MAX || n <= FLINT_THIN_MAX) {
        flint_tile_epi e = flint__epi_normalize(epilogue);
        if (flint__gemm_thin(pool, K, m, n, k, a, a_row_stride, a_col_stride, b, b_row_stride, b_col_stride, c,
                             c_row_stride, &e))
            return;
    }
    gemm_ctx g;
    gemm_init(&g, K, m, n, k, c, c_row_stride, epilogue);
    g.a = a;
    g.rsa = a_row_stride;
    g.csa = a_col_stride;
    g.b = b;
    g.rsb = b_row_stride;
    g.csb = b_col_stride;
    gemm_run(pool, &g);
}

/* ---- pre-packed operands ---------------------------------------------------------------------- */

/* Bytes for `outer` rows/columns packed in panels of `panel`, over `inner` = k. */
static size_t packed_bytes(int64_t outer, int64_t inner, int panel) {
    if (outer < 0) outer = 0;
    if (inner < 0) inner = 0;
    return PACK_HEADER_BYTES + (size_t)(round_up(outer, panel) * inner + FLINT_PACK_SLACK) * sizeof(float);
}

static size_t pack_size(int64_t outer, int64_t inner, int is_a) {
    size_t best = 0;
    for (int id = 0; id < 8; ++id) {
        const flint_gemm_kernel *K = flint__kernel_by_id(id);
        if (!K) continue;
        size_t s = packed_bytes(outer, inner, is_a ? K->mr : K->nr);
        if (s > best) best = s;
    }
    return best;
}

size_t flint_sgemm_pack_b_size(int64_t k, int64_t n) { return pack_size(n, k, 0); }
size_t flint_sgemm_pack_a_size(int64_t m, int64_t k) { return pack_size(m, k, 1); }

/* Writes the header of a buffer packed by kernel set K (`rows` x `cols`, negative sizes taken as 0) and
 * returns where its data starts. */
static float *begin_packed(void *packed, uint32_t magic, const flint_gemm_kernel *K, int64_t rows, int64_t cols,
                           pack_header *h) {
    memset(h, 0, sizeof(*h));
    h->magic = magic;
    h->kernel_id = K->id;
    h->panel = magic == PACK_MAGIC_A ? K->mr : K->nr;
    h->rows = rows < 0 ? 0 : rows;
    h->cols = cols < 0 ? 0 : cols;
    h->kc = K->kc;
    memcpy(packed, h, sizeof(*h));
    return (float *)((char *)packed + PACK_HEADER_BYTES);
}

void flint_sgemm_pack_b(int64_t k, int64_t n, const float *b, int64_t b_row_stride, int64_t b_col_stride,
                        void *packed) {
    const flint_gemm_kernel *K = flint__kernel();
    pack_header h;
    float *data = begin_packed(packed, PACK_MAGIC_B, K, k, n, &h);
    const int64_t n_pad = round_up(h.cols, K->nr);
    for (int64_t pc = 0; pc < h.rows && h.cols > 0; pc += K->kc) {
        const int64_t kcur = min64(K->kc, h.rows - pc);
        K->pack_b(kcur, h.cols, b + pc * b_row_stride, b_row_stride, b_col_stride, K->nr, data + pc * n_pad);
    }
}

void flint_sgemm_pack_a(int64_t m, int64_t k, const float *a, int64_t a_row_stride, int64_t a_col_stride,
                        void *packed) {
    /* The whole matrix as one row block (which also writes the header of an empty one). */
    flint_sgemm_pack_a_rows(m, k, 0, m, a, a_row_stride, a_col_stride, packed);
}

int64_t flint_sgemm_pack_a_row_block(void) { return flint__kernel()->mr; }

void flint_sgemm_pack_a_rows(int64_t m, int64_t k, int64_t row_begin, int64_t row_count, const float *a,
                             int64_t a_row_stride, int64_t a_col_stride, void *packed) {
    const flint_gemm_kernel *K = flint__kernel();
    pack_header h;
    float *data = begin_packed(packed, PACK_MAGIC_A, K, m, k, &h);
    if (row_begin < 0 || row_begin % K->mr != 0 || row_count <= 0 || row_begin + row_count > h.rows) return;
    const int64_t m_pad = round_up(h.rows, K->mr);
    for (int64_t pc = 0; pc < h.cols; pc += K->kc) {
        const int64_t kcur = min64(K->kc, h.cols - pc);
        /* Within a kc block the panels of mr rows follow one another, mr * kcur floats each. */
        K->pack_a(row_count, kcur, a + pc * a_col_stride, a_row_stride, a_col_stride, K->mr, data + pc * m_pad + row_begin * kcur);
    }
}

int flint_sgemm_pack_a_scaled(int64_t m, int64_t k, const float *a, int64_t a_row_stride, const double *row_scale,
                              void *packed) {
    if (!row_scale || m <= 0 || k <= 0) {
        flint_sgemm_pack_a(m, k, a, a_row_stride, 1, packed);
        return 0;
    }
    /* Blocks of whole micro-panels whose scaled rows fit in about 256 KB (L2). */
    const int64_t panel = flint_sgemm_pack_a_row_block();
    int64_t block = ((int64_t)1 << 16) / k / panel * panel;
    if (block < panel) block = panel;
    if (block > m) block = m;
    float *scratch = (float *)malloc((size_t)(block * k) * sizeof(float));
    if (!scratch) return -1;
    for (int64_t r0 = 0; r0 < m; r0 += block) {
        const int64_t rows = min64(block, m - r0);
        flint_scale_rows(rows, k, a + r0 * a_row_stride, a_row_stride, row_scale + r0, scratch, k);
        flint_sgemm_pack_a_rows(m, k, r0, rows, scratch, k, 1, packed);
    }
    free(scratch);
    return 0;
}

/* Validates a packed buffer against the product and returns the kernel set that packed it. Calling with
 * a buffer that was not packed for these dimensions is a contract violation and aborts. */
static const flint_gemm_kernel *packed_kernel(const void *packed, uint32_t magic, int64_t rows, int64_t cols,
                                              pack_header *h) {
    memcpy(h, packed, sizeof(*h));
    const flint_gemm_kernel *K = flint__kernel_by_id(h->kernel_id);
    if (h->magic != magic || !K || h->rows != rows || h->cols != cols || h->kc != K->kc ||
        h->panel != (magic == PACK_MAGIC_A ? K->mr : K->nr))
        abort();
    return K;
}

void flint_sgemm_packed_b(flint_pool *pool, int64_t m, int64_t n, int64_t k,
                          const float *a, int64_t a_row_stride, int64_t a_col_stride,
                          const void *packed_b,
                          float *c, int64_t c_row_stride,
                          const flint_gemm_epilogue *epilogue) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        gemm_k0(m, n, c, c_row_stride, epilogue);
        return;
    }
    pack_header h;
    const flint_gemm_kernel *K = packed_kernel(packed_b, PACK_MAGIC_B, k, n, &h);
    const float *data = (const float *)((const char *)packed_b + PACK_HEADER_BYTES);
    if (m == 1) {
        flint_tile_epi e = flint__epi_normalize(epilogue);
        flint__gemv_packed_b(pool, K, n, k, h.kc, a, a_col_stride, data, c, &e);
        return;
    }
    gemm_ctx g;
    gemm_init(&g, K, m, n, k, c, c_row_stride, epilogue);
    g.a = a;
    g.rsa = a_row_stride;
    g.csa = a_col_stride;
    g.pb = data;
    g.n_pad = round_up(n, K->nr);
    gemm_run(pool, &g);
}

void flint_sgemm_packed_a(flint_pool *pool, int64_t m, int64_t n, int64_t k,
                          const void *packed_a,
                          const float *b, int64_t b_row_stride, int64_t b_col_stride,
                          float *c, int64_t c_row_stride,
                          const flint_gemm_epilogue *epilogue) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        gemm_k0(m, n, c, c_row_stride, epilogue);
        return;
    }
    pack_header h;
    const flint_gemm_kernel *K = packed_kernel(packed_a, PACK_MAGIC_A, m, k, &h);
    gemm_ctx g;
    gemm_init(&g, K, m, n, k, c, c_row_stride, epilogue);
    g.b = b;
    g.rsb = b_row_stride;
    g.csb = b_col_stride;
    g.pa = (const float *)((const char *)packed_a + PACK_HEADER_BYTES);
    g.m_pad = round_up(m, K->mr);
    gemm_run(pool, &g);
}

flint_packed_b_layout flint_sgemm_pack_b_begin(int64_t k, int64_t n, void *packed) {
    const flint_gemm_kernel *K = flint__kernel();
    pack_header h;
    flint_packed_b_layout layout;
    layout.packed = packed;
    layout.data = begin_packed(packed, PACK_MAGIC_B, K, k, n, &h);
    layout.k = h.rows;
    layout.n = h.cols;
    layout.nr = K->nr;
    layout.kc = K->kc;
    layout.n_pad = round_up(h.cols, K->nr);
    /* The last panel's columns past n: zero in every row of every block. */
    if (layout.n_pad > layout.n) {
        const int64_t panel = layout.n / K->nr, used = layout.n % K->nr;
        for (int64_t pc = 0; pc < h.rows; pc += K->kc) {
            const int64_t kcur = min64(K->kc, h.rows - pc);
            float *base = layout.data + pc * layout.n_pad + panel * K->nr * kcur;
            for (int64_t p = 0; p < kcur; ++p) memset(base + p * K->nr + used, 0, (size_t)(K->nr - used) * sizeof(float));
        }
    }
    return layout;
}

flint_packed_b_layout flint_sgemm_pack_b_begin_scratch(int64_t k, int64_t n) {
    void *buffer = flint__scratch(4, flint_sgemm_pack_b_size(k, n));
    if (!buffer) abort();
    return flint_sgemm_pack_b_begin(k, n, buffer);
}

void flint_sgemm_packed_ab(flint_pool *pool, int64_t m, int64_t n, int64_t k,
                           const void *packed_a, const void *packed_b,
                           float *c, int64_t c_row_stride,
                           const flint_gemm_epilogue *epilogue) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        gemm_k0(m, n, c, c_row_stride, epilogue);
        return;
    }
    pack_header ha, hb;
    const flint_gemm_kernel *K = packed_kernel(packed_a, PACK_MAGIC_A, m, k, &ha);
    if (packed_kernel(packed_b, PACK_MAGIC_B, k, n, &hb) != K) abort();
    gemm_ctx g;
    gemm_init(&g, K, m, n, k, c, c_row_stride, epilogue);
    g.pa = (const float *)((const char *)packed_a + PACK_HEADER_BYTES);
    g.m_pad = round_up(m, K->mr);
    g.pb = (const float *)((const char *)packed_b + PACK_HEADER_BYTES);
    g.n_pad = round_up(n, K->nr);
    gemm_run(pool, &g);
}
