/* lowp C API: hand-written CPU GEMM kernels (FP32, INT8) behind a C ABI.
 *
 * Link with -llowp_capi (shared: liblowp_capi.so; static: liblowp_capi.a,
 * plus -lpthread -ldl -lm). Built by `cargo build --release -p lowp-capi`.
 *
 * Every call runs on one process-wide context that honours LOWP_MAX_ISA,
 * LOWP_NUM_THREADS and LOWP_VERBOSE. Errors never abort or unwind: the
 * lowp_* calls return a status code, the cblas_* calls (void, as in CBLAS)
 * leave C untouched; both record a message for lowp_last_error(). */
#ifndef LOWP_H
#define LOWP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. */
#define LOWP_STATUS_OK 0
#define LOWP_STATUS_INVALID_ARGUMENT 1 /* shape, leading dimension, enum, scale, zero point */
#define LOWP_STATUS_NULL_POINTER 2
#define LOWP_STATUS_RUNTIME 3  /* threads or ISA unavailable */
#define LOWP_STATUS_INTERNAL 4 /* a bug in lowp (caught panic) */

/* The calling thread's last error message ("" after a success); valid until
 * its next lowp call. */
const char *lowp_last_error(void);

/* CBLAS enums, with the standard values (compatible with cblas.h / mkl.h
 * when those are not included in the same file). */
#ifndef LOWP_NO_CBLAS_ENUMS
enum CBLAS_ORDER { CblasRowMajor = 101, CblasColMajor = 102 };
enum CBLAS_TRANSPOSE { CblasNoTrans = 111, CblasTrans = 112, CblasConjTrans = 113 };
enum CBLAS_OFFSET { CblasRowOffset = 171, CblasColOffset = 172, CblasFixOffset = 173 };
#endif

/* C <- alpha*op(A)*op(B) + beta*C; op(A) is MxK, op(B) KxN, C MxN (CBLAS).
 * With beta == 0, C is not read. */
void cblas_sgemm(int layout, int trans_a, int trans_b, int m, int n, int k,
                 float alpha, const float *a, int lda, const float *b, int ldb,
                 float beta, float *c, int ldc);

/* oneMKL: C := alpha*(op(A) + oa)*(op(B) + ob) + beta*C + C_offset with
 * A uint8 (op(A) MxK), B int8 (op(B) KxN), C int32. offsetc:
 * CblasFixOffset adds oc[0] everywhere, CblasColOffset oc[i] to row i
 * (M values), CblasRowOffset oc[j] to column j (N values). The product is
 * exact; with alpha == 1 and beta in {0, 1} the whole result is exact
 * (wrapping int32), otherwise evaluated in double, rounded half to even and
 * saturated. */
void cblas_gemm_s8u8s32(int layout, int trans_a, int trans_b, int offsetc,
                        int m, int n, int k, float alpha, const void *a,
                        int lda, int8_t oa, const void *b, int ldb, int8_t ob,
                        float beta, int32_t *c, int ldc, const int32_t *oc);

/* INT8 weights packed once (K x N int8, row-major, ldw >= N, zero point in
 * [-128, 127]) for many lowp_i8_gemm_u8 calls. */
typedef struct LowpI8Weights lowp_i8_weights;
int lowp_i8_weights_pack(const int8_t *w, size_t k, size_t n, size_t ldw,
                         int32_t zero_point, lowp_i8_weights **out);
void lowp_i8_weights_free(lowp_i8_weights *w);

/* Y = requantize((X - x_zero_point) * (W - w_zero_point)): X uint8 MxK
 * (row-major, ldx >= K), Y uint8 MxN (ldy >= N);
 * y = round_half_even((v + bias[j]) * scale_j) + y_zero_point, saturated,
 * clamped below at y_zero_point when relu != 0. scales: 1 or N values;
 * bias: NULL or N values. */
int lowp_i8_gemm_u8(const lowp_i8_weights *w, const uint8_t *x, size_t m,
                    size_t ldx, int32_t x_zero_point, const float *scales,
                    size_t n_scales, const int32_t *bias, int32_t y_zero_point,
                    int relu, uint8_t *y, size_t ldy);

#ifdef __cplusplus
}
#endif

#endif /* LOWP_H */
