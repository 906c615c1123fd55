// Elementwise kernels: one work item per element, over a one-dimensional range rounded up to
// the work-group size (the tail checks n). Outputs may alias inputs: each work item reads its
// elements before it writes them.

#define OP_ADD 0
#define OP_SUB 1
#define OP_MUL 2
#define OP_DIV 3

__kernel void binary_op(__global const float* a, long aOff, __global const float* b, long bOff,
        __global float* out, long outOff, long n, long cols, int op, int broadcastB) {
    long i = get_global_id(0);
    if (i >= n) {
        return;
    }
    float x = a[aOff + i];
    float y = b[bOff + (broadcastB ? i % cols : i)];
    float r;
    switch (op) {
        case OP_ADD: r = x + y; break;
        case OP_SUB: r = x - y; break;
        case OP_MUL: r = x * y; break;
        default: r = x / y; break;
    }
    out[outOff + i] = r;
}

__kernel void scale(__global const float* x, long xOff, __global float* out, long outOff, long n, float alpha) {
    long i = get_global_id(0);
    if (i < n) {
        out[outOff + i] = alpha * x[xOff + i];
    }
}

__kernel void axpy(float alpha, __global const float* x, long xOff, __global float* y, long yOff, long n) {
    long i = get_global_id(0);
    if (i < n) {
        y[yOff + i] += alpha * x[xOff + i];
    }
}

__kernel void fill(__global float* out, long outOff, long n, float value) {
    long i = get_global_id(0);
    if (i < n) {
        out[outOff + i] = value;
    }
}

// ---- activations --------------------------------------------------------------------------
// Written in forms that do not cancel: 1 + tanh(u) = 2 sigmoid(2u), 1 + erf(x) = erfc(-x),
// 1 - sigmoid(x) = sigmoid(-x).

#define ACT_SILU 0
#define ACT_GELU_ERF 1
#define ACT_GELU_TANH 2
#define ACT_RELU 3

#define SQRT_2_OVER_PI 0.7978845608028654f
#define GELU_TANH_CUBIC 0.044715f
#define INV_SQRT_2PI 0.3989422804014327f

inline float sigmoid(float x) {
    return 1.0f / (1.0f + exp(-x));
}

inline float activate(int act, float x) {
    switch (act) {
        case ACT_SILU: return x * sigmoid(x);
        case ACT_GELU_ERF: return 0.5f * x * erfc(-x * M_SQRT1_2_F);
        case ACT_GELU_TANH: return x * sigmoid(2.0f * SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x * x * x));
        default: return x > 0.0f ? x : 0.0f;
    }
}

inline float activate_derivative(int act, float x) {
    switch (act) {
        case ACT_SILU: {
            float s = sigmoid(x);
            return s * (1.0f + x * sigmoid(-x));
        }
        case ACT_GELU_ERF:
            return 0.5f * erfc(-x * M_SQRT1_2_F) + x * exp(-0.5f * x * x) * INV_SQRT_2PI;
        case ACT_GELU_TANH: {
            float u = SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x * x * x);
            float s = sigmoid(2.0f * u);
            float du = SQRT_2_OVER_PI * (1.0f + 3.0f * GELU_TANH_CUBIC * x * x);
            // 0.5 (1 + t) + 0.5 x (1 - t^2) du, with 1 + t = 2s and 1 - t^2 = 4 s (1 - s).
            return s + 2.0f * x * s * sigmoid(-2.0f * u) * du;
        }
        default:
            return x > 0.0f ? 1.0f : 0.0f;
    }
}

__kernel void activation(__global const float* x, long xOff, __global float* out, long outOff, long n, int act) {
    long i = get_global_id(0);
    if (i < n) {
        out[outOff + i] = activate(act, x[xOff + i]);
    }
}

__kernel void activation_backward(__global const float* x, long xOff, __global const float* dOut, long dOutOff,
        __global float* dx, long dxOff, long n, int act) {
    long i = get_global_id(0);
    if (i < n) {
        dx[dxOff + i] = activate_derivative(act, x[xOff + i]) * dOut[dOutOff + i];
    }
}

__kernel void swiglu(__global const float* gate, long gateOff, __global const float* up, long upOff,
        __global float* out, long outOff, long n) {
    long i = get_global_id(0);
    if (i < n) {
        out[outOff + i] = activate(ACT_SILU, gate[gateOff + i]) * up[upOff + i];
    }
}

__kernel void swiglu_backward(__global const float* gate, long gateOff, __global const float* up, long upOff,
        __global const float* dOut, long dOutOff, __global float* dGate, long dGateOff,
        __global float* dUp, long dUpOff, long n) {
    long i = get_global_id(0);
    if (i < n) {
        float g = gate[gateOff + i];
        float u = up[upOff + i];
        float d = dOut[dOutOff + i];
        dGate[dGateOff + i] = d * u * activate_derivative(ACT_SILU, g);
        dUp[dUpOff + i] = d * activate(ACT_SILU, g);
    }
}

// ---- dropout --------------------------------------------------------------------------------
// The mask of ReferenceKernels.dropoutKeep: SplitMix64 over (seed, index), 64-bit wrap-around
// arithmetic. The host passes key = mix64(seed) and the kept scale 1 / (1 - p).

inline ulong mix64(ulong z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
    return z ^ (z >> 31);
}

__kernel void dropout(__global const float* x, long xOff, __global float* out, long outOff, long n,
        float p, float keptScale, ulong key) {
    long i = get_global_id(0);
    if (i < n) {
        ulong bits = mix64(key + ((ulong) i + 1UL) * 0x9E3779B97F4A7C15UL);
        float u = (float) (bits >> 40) * 0x1p-24f;
        out[outOff + i] = u >= p ? x[xOff + i] * keptScale : 0.0f;
    }
}

// ---- optimizer ------------------------------------------------------------------------------
// torch.optim.AdamW; the host passes the bias corrections 1 - beta^step, computed in double.

__kernel void adamw(__global float* param, long pOff, __global const float* grad, long gOff,
        __global float* m, long mOff, __global float* v, long vOff, long n,
        float lr, float beta1, float beta2, float eps, float weightDecay,
        float biasCorrection1, float biasCorrection2) {
    long i = get_global_id(0);
    if (i >= n) {
        return;
    }
    float p = param[pOff + i];
    float g = grad[gOff + i];
    p -= lr * weightDecay * p;
    float mi = beta1 * m[mOff + i] + (1.0f - beta1) * g;
    float vi = beta2 * v[vOff + i] + (1.0f - beta2) * g * g;
    p -= lr * (mi / biasCorrection1) / (sqrt(vi / biasCorrection2) + eps);
    param[pOff + i] = p;
    m[mOff + i] = mi;
    v[vOff + i] = vi;
}
