/* The C side of lowp-capi's tests: calls every function of lowp.h through
 * the C ABI and checks it against plain C loops. Exit status 0 = pass; a
 * failure prints what differed. Built and run by tests/c_program.rs. */
#include "lowp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                     \
      fprintf(stderr, __VA_ARGS__);                                            \
      fprintf(stderr, "\n");                                                   \
      failures++;                                                              \
    }                                                                          \
  } while (0)

static unsigned rng = 12345u;
static unsigned next(void) {
  rng = rng * 1664525u + 1013904223u;
  return rng >> 8;
}

/* Element (i, j) of op(X) stored in layout with leading dimension ld. */
static size_t at(int layout, int trans, int i, int j, int ld) {
  int r = trans ? j : i, c = trans ? i : j;
  return layout == CblasRowMajor ? (size_t)r * ld + c : (size_t)c * ld + r;
}

static void test_sgemm(void) {
  const int m = 7, n = 5, k = 9, pad = 3;
  for (int layout = CblasRowMajor; layout <= CblasColMajor; layout++)
    for (int ta = CblasNoTrans; ta <= CblasTrans; ta++)
      for (int tb = CblasNoTrans; tb <= CblasTrans; tb++) {
        int a_rows = ta == CblasNoTrans ? m : k, a_cols = ta == CblasNoTrans ? k : m;
        int b_rows = tb == CblasNoTrans ? k : n, b_cols = tb == CblasNoTrans ? n : k;
        int lda = (layout == CblasRowMajor ? a_cols : a_rows) + pad;
        int ldb = (layout == CblasRowMajor ? b_cols : b_rows) + pad;
        int ldc = (layout == CblasRowMajor ? n : m) + pad;
        float a[16 * 16], b[16 * 16], c[16 * 16], want[16 * 16];
        for (int i = 0; i < 256; i++) {
          a[i] = (float)(next() % 17) - 8.0f;
          b[i] = (float)(next() % 13) - 6.0f;
          c[i] = want[i] = (float)(next() % 7);
        }
        for (int i = 0; i < m; i++)
          for (int j = 0; j < n; j++) {
            float s = 0;
            for (int p = 0; p < k; p++)
              s += a[at(layout, ta != CblasNoTrans, i, p, lda)] * b[at(layout, tb != CblasNoTrans, p, j, ldb)];
            size_t ci = at(layout, 0, i, j, ldc);
            want[ci] = 1.5f * s + 0.5f * c[ci];
          }
        cblas_sgemm(layout, ta, tb, m, n, k, 1.5f, a, lda, b, ldb, 0.5f, c, ldc);
        CHECK(strcmp(lowp_last_error(), "") == 0, "sgemm error: %s", lowp_last_error());
        for (int i = 0; i < 256; i++)
          CHECK(c[i] == want[i], "sgemm layout %d ta %d tb %d: c[%d] = %g, want %g", layout, ta, tb, i, c[i], want[i]);
      }
  /* A bad leading dimension: C untouched, the message names lda. */
  float a[4] = {1, 2, 3, 4}, c[4] = {9, 9, 9, 9};
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, a, 1, a, 2, 0, c, 2);
  CHECK(strstr(lowp_last_error(), "lda") != NULL, "message: %s", lowp_last_error());
  CHECK(c[0] == 9 && c[3] == 9, "C was written on error");
}

static void test_gemm_s8u8s32(void) {
  const int m = 6, n = 9, k = 11, pad = 2;
  const int offs[3] = {CblasFixOffset, CblasColOffset, CblasRowOffset};
  for (int layout = CblasRowMajor; layout <= CblasColMajor; layout++)
    for (int ta = CblasNoTrans; ta <= CblasTrans; ta++)
      for (int tb = CblasNoTrans; tb <= CblasTrans; tb++)
        for (int o = 0; o < 3; o++)
          for (int mode = 0; mode < 2; mode++) {
            int a_rows = ta == CblasNoTrans ? m : k, a_cols = ta == CblasNoTrans ? k : m;
            int b_rows = tb == CblasNoTrans ? k : n, b_cols = tb == CblasNoTrans ? n : k;
            int lda = (layout == CblasRowMajor ? a_cols : a_rows) + pad;
            int ldb = (layout == CblasRowMajor ? b_cols : b_rows) + pad;
            int ldc = (layout == CblasRowMajor ? n : m) + pad;
            uint8_t a[16 * 16];
            int8_t b[16 * 16];
            int32_t c[16 * 16], want[16 * 16], oc[16];
            for (int i = 0; i < 256; i++) {
              a[i] = (uint8_t)next();
              b[i] = (int8_t)next();
              c[i] = want[i] = (int32_t)(next() % 2001) - 1000;
            }
            for (int i = 0; i < 16; i++) oc[i] = (int32_t)(next() % 201) - 100;
            int8_t oa = -3, ob = 5;
            float alpha = mode ? 0.5f : 1.0f, beta = mode ? 2.0f : 1.0f;
            for (int i = 0; i < m; i++)
              for (int j = 0; j < n; j++) {
                int64_t s = 0;
                for (int p = 0; p < k; p++)
                  s += (int64_t)(a[at(layout, ta != CblasNoTrans, i, p, lda)] + oa) *
                       (b[at(layout, tb != CblasNoTrans, p, j, ldb)] + ob);
                int32_t off = offs[o] == CblasFixOffset ? oc[0] : offs[o] == CblasColOffset ? oc[i] : oc[j];
                size_t ci = at(layout, 0, i, j, ldc);
                want[ci] = (int32_t)nearbyint((double)alpha * (double)s + (double)beta * c[ci] + off);
              }
            cblas_gemm_s8u8s32(layout, ta, tb, offs[o], m, n, k, alpha, a, lda, oa, b, ldb, ob, beta, c, ldc, oc);
            CHECK(strcmp(lowp_last_error(), "") == 0, "s8u8s32 error: %s", lowp_last_error());
            for (int i = 0; i < 256; i++)
              CHECK(c[i] == want[i], "s8u8s32 layout %d ta %d tb %d off %d mode %d: c[%d] = %d, want %d", layout, ta,
                    tb, offs[o], mode, i, c[i], want[i]);
          }
  int32_t c[1] = {0}, oc[1] = {0};
  uint8_t a[1] = {1};
  int8_t b[1] = {1};
  cblas_gemm_s8u8s32(CblasRowMajor, CblasNoTrans, CblasNoTrans, 999, 1, 1, 1, 1, a, 1, 0, b, 1, 0, 0, c, 1, oc);
  CHECK(strstr(lowp_last_error(), "offsetc") != NULL, "message: %s", lowp_last_error());
}

static void test_packed_weights(void) {
  enum { M = 5, K = 40, N = 33, LDW = N + 1, LDX = K + 2, LDY = N + 3 };
  int8_t w[K * LDW];
  uint8_t x[M * LDX], y[M * LDY];
  float scales[N];
  int32_t bias[N];
  for (int i = 0; i < K * LDW; i++) w[i] = (int8_t)next();
  for (int i = 0; i < M * LDX; i++) x[i] = (uint8_t)next();
  for (int j = 0; j < N; j++) {
    scales[j] = 0.001f * (float)(1 + next() % 50);
    bias[j] = (int32_t)(next() % 2001) - 1000;
  }
  lowp_i8_weights *pw = NULL;
  int st = lowp_i8_weights_pack(w, K, N, LDW, 3, &pw);
  CHECK(st == LOWP_STATUS_OK && pw != NULL, "pack: %d %s", st, lowp_last_error());
  for (int relu = 0; relu < 2; relu++) {
    memset(y, 0xAB, sizeof y);
    st = lowp_i8_gemm_u8(pw, x, M, LDX, 128, scales, N, bias, 10, relu, y, LDY);
    CHECK(st == LOWP_STATUS_OK, "gemm: %d %s", st, lowp_last_error());
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) {
        int32_t v = 0;
        for (int p = 0; p < K; p++) v += (x[i * LDX + p] - 128) * (w[p * LDW + j] - 3);
        float t = (float)(v + bias[j]) * scales[j];
        long q = lrintf(t) + 10;
        long lo = relu ? 10 : 0;
        q = q < lo ? lo : q > 255 ? 255 : q;
        CHECK(y[i * LDY + j] == q, "requant relu %d (%d,%d): %d, want %ld", relu, i, j, y[i * LDY + j], q);
      }
    CHECK(y[LDY - 1] == 0xAB, "padding written");
  }
  st = lowp_i8_gemm_u8(NULL, x, M, LDX, 128, scales, N, bias, 10, 0, y, LDY);
  CHECK(st == LOWP_STATUS_NULL_POINTER, "NULL weights: %d", st);
  st = lowp_i8_gemm_u8(pw, x, M, LDX, 128, scales, 2, bias, 10, 0, y, LDY);
  CHECK(st == LOWP_STATUS_INVALID_ARGUMENT && strstr(lowp_last_error(), "n_scales"), "n_scales: %d %s", st,
        lowp_last_error());
  lowp_i8_weights_free(pw);
  lowp_i8_weights_free(NULL);
}

int main(void) {
  test_sgemm();
  test_gemm_s8u8s32();
  test_packed_weights();
  if (failures) {
    fprintf(stderr, "%d failures\n", failures);
    return 1;
  }
  printf("lowp C API: all checks passed\n");
  return 0;
}
