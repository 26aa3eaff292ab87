//! `scan_s8_ip_avx512vnni`: one s8 query against many s8 rows, exact inner
//! products, AVX-512 VNNI.
//!
//! `vpdpbusd` multiplies u8 by s8. Each database byte is flipped with
//! `x ^ 0x80` (= x + 128 as u8) and multiplied by the s8 query, so a lane
//! collects `Σ x·q + 128·Σ q`; `128·Σ q` depends on the query alone and is
//! subtracted once per row. The alternative (making the query the u8 side)
//! would need `Σ x` for every row, and sign-extending to i16 for `vpdpwssd`
//! costs four extensions per 64 bytes instead of one xor. The database is
//! streamed once; rows are taken four at a time so each 64-byte query chunk
//! is loaded once per four rows.

use core::arch::x86_64::*;

#[inline]
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")]
unsafe fn group<const R: usize>(q: *const i8, db: *const i8, rs: usize, d: usize, corr: i32, out: *mut i32) {
    use crate::x86_64::vec_avx512 as v;
    let bias = _mm512_set1_epi8(-128);
    let mut acc = [v::izero(); R];
    let mut j = 0usize;
    while j + 64 <= d {
        // SAFETY: j + 64 <= d: inside the query.
        let y = unsafe { _mm512_loadu_si512(q.add(j) as *const __m512i) };
        for (r, a) in acc.iter_mut().enumerate() {
            // SAFETY: j + 64 <= d: inside row r of the group.
            let x = unsafe { _mm512_loadu_si512(db.add(r * rs + j) as *const __m512i) };
            *a = _mm512_dpbusd_epi32(*a, _mm512_xor_si512(x, bias), y);
        }
        j += 64;
    }
    if j < d {
        let m: __mmask64 = (1u64 << (d - j)) - 1;
        // SAFETY: masked-off bytes (past `d`) are neither read nor faulted on.
        let y = unsafe { _mm512_maskz_loadu_epi8(m, q.add(j)) };
        for (r, a) in acc.iter_mut().enumerate() {
            // SAFETY: as above, row r of the group; masked-off query bytes are 0,
            // so the flipped (nonzero) masked-off row bytes add nothing.
            let x = unsafe { _mm512_maskz_loadu_epi8(m, db.add(r * rs + j)) };
            *a = _mm512_dpbusd_epi32(*a, _mm512_xor_si512(x, bias), y);
        }
    }
    for (r, a) in acc.iter().enumerate() {
        // SAFETY: the caller gives R writable outputs.
        unsafe { *out.add(r) = v::hsum32(*a).wrapping_sub(corr) };
    }
}

/// One s8 query against `rows` s8 database rows: `out[r] = Σ_j q[j]·db[r·row_stride + j]`,
/// exact (wrapping i32: callers keep `d·128·128` within i32).
///
/// # Safety
/// `q` valid for reads of `d` bytes; for every `r < rows`, `db + r·row_stride`
/// valid for reads of `d` bytes; `out` valid for writes of `rows` i32; the CPU
/// must have AVX-512 F/BW/VL/DQ and AVX-512 VNNI.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")]
pub unsafe fn scan_s8_ip_avx512vnni(
    q: *const i8,
    db: *const i8,
    row_stride: usize,
    rows: usize,
    d: usize,
    out: *mut i32,
) {
    // SAFETY: the caller guarantees `d` readable query bytes.
    let qs = unsafe { core::slice::from_raw_parts(q, d) };
    let corr = qs
        .iter()
        .fold(0i32, |s, x| s.wrapping_add(*x as i32))
        .wrapping_mul(128);
    let mut r = 0usize;
    while r + 4 <= rows {
        // SAFETY: rows r..r+4 exist (caller contract); outputs r..r+4 writable.
        unsafe { group::<4>(q, db.add(r * row_stride), row_stride, d, corr, out.add(r)) };
        r += 4;
    }
    while r < rows {
        // SAFETY: row r exists; output r writable.
        unsafe { group::<1>(q, db.add(r * row_stride), row_stride, d, corr, out.add(r)) };
        r += 1;
    }
}
