// Helpers every kernel file uses. The host compiles all files as one program and defines:
//   RWG  the work-group size of the row kernels (a power of two), which size their scratch.
//
// Operands are passed as a buffer and an element offset (a Slice), never as sub-buffers, so
// that no driver's sub-buffer alignment rules apply.

// ---- storage formats --------------------------------------------------------------------
// BF16 and F16 are stored as ushort bit patterns and converted in integer arithmetic: exact,
// round to nearest even, the same on every driver, with or without cl_khr_fp16 and whether or
// not the device flushes float subnormals.

inline float bf16_to_float(ushort bits) {
    return as_float(((uint) bits) << 16);
}

inline ushort float_to_bf16(float value) {
    uint bits = as_uint(value);
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) {
        return (ushort) ((bits >> 16) | 0x0040u); // NaN stays a quiet NaN
    }
    // Adding 0x7FFF plus the lowest kept bit rounds the dropped half to nearest, ties to even;
    // a carry into the exponent is the correct rounding up (to infinity past the largest).
    return (ushort) ((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

inline float f16_to_float(ushort h) {
    uint sign = ((uint) (h & 0x8000u)) << 16;
    uint exponent = (h >> 10) & 0x1Fu;
    uint mantissa = h & 0x3FFu;
    if (exponent == 0x1Fu) {
        return as_float(sign | 0x7F800000u | (mantissa << 13)); // infinity, NaN
    }
    if (exponent == 0u) {
        // Zero or subnormal: mantissa * 2^-24, a normal float, exact.
        float magnitude = (float) mantissa * 0x1p-24f;
        return sign != 0u ? -magnitude : magnitude;
    }
    return as_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

inline ushort float_to_f16(float value) {
    uint bits = as_uint(value);
    uint sign = (bits >> 16) & 0x8000u;
    uint magnitude = bits & 0x7FFFFFFFu;
    if (magnitude > 0x7F800000u) {
        return (ushort) (sign | 0x7E00u | ((magnitude >> 13) & 0x3FFu)); // NaN
    }
    if (magnitude >= 0x477FF000u) {
        return (ushort) (sign | 0x7C00u); // 65520 and above round to infinity
    }
    if (magnitude >= 0x38800000u) {
        // Normal: rebias the exponent (-112 << 23), round the 13 dropped bits to nearest even.
        uint rounded = magnitude + 0xC8000FFFu + ((magnitude >> 13) & 1u);
        return (ushort) (sign | (rounded >> 13));
    }
    // Subnormal or zero: the mantissa with its implicit bit, shifted right, rounded to even.
    uint exponent = magnitude >> 23;
    if (exponent < 102u) {
        return (ushort) sign; // below 2^-25: rounds to zero (2^-25 itself is a tie to even 0)
    }
    uint mantissa = (magnitude & 0x7FFFFFu) | 0x800000u;
    uint shift = 126u - exponent; // 14 .. 24
    uint kept = mantissa >> shift;
    uint rest = mantissa & ((1u << shift) - 1u);
    uint halfway = 1u << (shift - 1u);
    if (rest > halfway || (rest == halfway && (kept & 1u) != 0u)) {
        kept++;
    }
    return (ushort) (sign | kept);
}

// An int rounded to float towards zero with the last bit set when inexact ("round to odd"): a
// second rounding to bf16 or f16 from it is then the correctly rounded result.
inline float int_to_float_round_to_odd(int value) {
    float truncated = convert_float_rtz(value);
    if ((long) truncated != (long) value) {
        return as_float(as_uint(truncated) | 1u);
    }
    return truncated;
}

// ---- work-group reductions --------------------------------------------------------------
// Over all RWG work items of a one-dimensional work-group, in a fixed tree order, so results do
// not depend on timing. Every work item must call them; they leave scratch free for reuse.

inline float group_sum(float value, __local float* scratch) {
    int lid = get_local_id(0);
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = RWG / 2; stride > 0; stride >>= 1) {
        if (lid < stride) {
            scratch[lid] += scratch[lid + stride];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float result = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return result;
}

// The larger of two values; NaN wins, as in torch.amax.
inline float max_nan(float a, float b) {
    return isnan(a) ? a : (isnan(b) ? b : (b > a ? b : a));
}

inline float group_max(float value, __local float* scratch) {
    int lid = get_local_id(0);
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = RWG / 2; stride > 0; stride >>= 1) {
        if (lid < stride) {
            scratch[lid] = max_nan(scratch[lid], scratch[lid + stride]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float result = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return result;
}

// Log-sum-exp partials (max m, sum s of exp(x - m)) combined; m = -inf means "no terms".
inline void lse_combine(float* m, float* s, float otherM, float otherS) {
    float top = fmax(*m, otherM);
    if (top == -INFINITY) {
        return;
    }
    *s = *s * exp(*m - top) + otherS * exp(otherM - top);
    *m = top;
}

// Adds one term x to a running (max m, sum s): one exp per term.
inline void lse_add(float* m, float* s, float x) {
    if (x > *m) {
        *s = *s * exp(*m - x) + 1.0f;
        *m = x;
    } else if (x != -INFINITY) {
        *s += exp(x - *m);
    }
}

inline float group_log_sum_exp(float m, float s, __local float* maxes, __local float* sums) {
    int lid = get_local_id(0);
    maxes[lid] = m;
    sums[lid] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = RWG / 2; stride > 0; stride >>= 1) {
        if (lid < stride) {
            float mine = maxes[lid];
            float sum = sums[lid];
            lse_combine(&mine, &sum, maxes[lid + stride], sums[lid + stride]);
            maxes[lid] = mine;
            sums[lid] = sum;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float top = maxes[0];
    float total = sums[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return top == -INFINITY ? -INFINITY : top + log(total);
}
