// Conversions between the stored dtypes, each result rounded once to nearest even; to I32
// rounding half to even and saturating, NaN to 0. The conversions from a floating-point dtype are
// instances of convert-template.cl, made by the host; those from I32 are written out here.

inline float load_f32(__global const float* p, long i) { return p[i]; }
inline float load_bf16(__global const ushort* p, long i) { return bf16_to_float(p[i]); }
inline float load_f16(__global const ushort* p, long i) { return f16_to_float(p[i]); }

// 16 consecutive elements, for the CPU GEMM's vectors.
inline float16 vload16_f32(__global const float* p, long i) { return vload16(0, p + i); }
inline float16 vload16_bf16(__global const ushort* p, long i) {
    return as_float16(convert_uint16(vload16(0, p + i)) << 16);
}
inline float16 vload16_f16(__global const ushort* p, long i) { return vload_half16(0, (__global const half*) (p + i)); }

// 16 elements of a row of op(B) from column col0 on: one vector load where B is not transposed
// and all 16 are inside; otherwise element by element, 0 past column n (never stored).
#define LOAD16(T, CT) \
    inline float16 load16_##T(__global const CT* b, long at, int transB, int ldb, int col0, int n) { \
        if (!transB && col0 + 16 <= n) { \
            return vload16_##T(b, at); \
        } \
        float values[16]; \
        for (int j = 0; j < 16; j++) { \
            values[j] = col0 + j < n ? load_##T(b, transB ? at + (long) j * ldb : at + j) : 0.0f; \
        } \
        return vload16(0, values); \
    }
LOAD16(f32, float)
LOAD16(bf16, ushort)
LOAD16(f16, ushort)

inline void store_f32(__global float* p, long i, float v) { p[i] = v; }
inline void store_bf16(__global ushort* p, long i, float v) { p[i] = float_to_bf16(v); }
inline void store_f16(__global ushort* p, long i, float v) { p[i] = float_to_f16(v); }
inline void store_i32(__global int* p, long i, float v) { p[i] = convert_int_sat_rte(v); }

__kernel void convert_i32_f32(__global const int* src, long srcOff, __global float* dst, long dstOff, long n) {
    long i = get_global_id(0);
    if (i < n) {
        dst[dstOff + i] = convert_float_rte(src[srcOff + i]);
    }
}

__kernel void convert_i32_bf16(__global const int* src, long srcOff, __global ushort* dst, long dstOff, long n) {
    long i = get_global_id(0);
    if (i < n) {
        dst[dstOff + i] = float_to_bf16(int_to_float_round_to_odd(src[srcOff + i]));
    }
}

__kernel void convert_i32_f16(__global const int* src, long srcOff, __global ushort* dst, long dstOff, long n) {
    long i = get_global_id(0);
    if (i < n) {
        dst[dstOff + i] = float_to_f16(int_to_float_round_to_odd(src[srcOff + i]));
    }
}
