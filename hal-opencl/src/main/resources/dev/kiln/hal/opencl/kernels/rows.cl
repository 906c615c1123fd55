// Row kernels: one work-group of RWG work items per row, each work item striding over the row's
// columns, combined by the fixed-order reductions of common.cl. Launched with a global size of
// rows * RWG.

// ---- normalization --------------------------------------------------------------------------

__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void rms_norm(__global const float* x, long xOff, __global const float* weight, long wOff,
        __global float* out, long outOff, __global float* rstd, long rstdOff, int dim, float eps) {
    __local float scratch[RWG];
    int lid = get_local_id(0);
    long row = get_group_id(0);
    __global const float* xr = x + xOff + row * dim;
    float squares = 0.0f;
    for (int j = lid; j < dim; j += RWG) {
        squares += xr[j] * xr[j];
    }
    float r = 1.0f / sqrt(group_sum(squares, scratch) / (float) dim + eps);
    __global float* outr = out + outOff + row * dim;
    for (int j = lid; j < dim; j += RWG) {
        outr[j] = xr[j] * r * weight[wOff + j];
    }
    if (lid == 0) {
        rstd[rstdOff + row] = r;
    }
}

// dx = rstd (w dOut - xhat mean(w dOut xhat)), xhat = x rstd. dWeight: rms_norm_weight_grad.
__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void rms_norm_backward(__global const float* x, long xOff, __global const float* weight, long wOff,
        __global const float* rstd, long rstdOff, __global const float* dOut, long dOutOff,
        __global float* dx, long dxOff, int dim) {
    __local float scratch[RWG];
    int lid = get_local_id(0);
    long row = get_group_id(0);
    __global const float* xr = x + xOff + row * dim;
    __global const float* gr = dOut + dOutOff + row * dim;
    float r = rstd[rstdOff + row];
    float partial = 0.0f;
    for (int j = lid; j < dim; j += RWG) {
        partial += weight[wOff + j] * gr[j] * xr[j] * r;
    }
    float meanOfGradTimesXhat = group_sum(partial, scratch) / (float) dim;
    __global float* dxr = dx + dxOff + row * dim;
    for (int j = lid; j < dim; j += RWG) {
        dxr[j] = r * (weight[wOff + j] * gr[j] - xr[j] * r * meanOfGradTimesXhat);
    }
}

__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void layer_norm(__global const float* x, long xOff, __global const float* weight, long wOff,
        __global const float* bias, long bOff, int hasBias, __global float* out, long outOff,
        __global float* mean, long meanOff, __global float* rstd, long rstdOff, int dim, float eps) {
    __local float scratch[RWG];
    int lid = get_local_id(0);
    long row = get_group_id(0);
    __global const float* xr = x + xOff + row * dim;
    float sum = 0.0f;
    for (int j = lid; j < dim; j += RWG) {
        sum += xr[j];
    }
    float mu = group_sum(sum, scratch) / (float) dim;
    // The variance from centred values: no cancellation for rows far from zero.
    float squares = 0.0f;
    for (int j = lid; j < dim; j += RWG) {
        float centred = xr[j] - mu;
        squares += centred * centred;
    }
    float r = 1.0f / sqrt(group_sum(squares, scratch) / (float) dim + eps);
    __global float* outr = out + outOff + row * dim;
    for (int j = lid; j < dim; j += RWG) {
        outr[j] = (xr[j] - mu) * r * weight[wOff + j] + (hasBias ? bias[bOff + j] : 0.0f);
    }
    if (lid == 0) {
        mean[meanOff + row] = mu;
        rstd[rstdOff + row] = r;
    }
}

// dx = rstd (g - mean(g) - xhat mean(g xhat)), g = w dOut. dWeight, dBias: layer_norm_param_grads.
__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void layer_norm_backward(__global const float* x, long xOff, __global const float* weight, long wOff,
        __global const float* mean, long meanOff, __global const float* rstd, long rstdOff,
        __global const float* dOut, long dOutOff, __global float* dx, long dxOff, int dim) {
    __local float scratch[RWG];
    int lid = get_local_id(0);
    long row = get_group_id(0);
    __global const float* xr = x + xOff + row * dim;
    __global const float* gr = dOut + dOutOff + row * dim;
    float mu = mean[meanOff + row];
    float r = rstd[rstdOff + row];
    float sumGrad = 0.0f;
    float sumGradXhat = 0.0f;
    for (int j = lid; j < dim; j += RWG) {
        float g = weight[wOff + j] * gr[j];
        sumGrad += g;
        sumGradXhat += g * (xr[j] - mu) * r;
    }
    float meanOfGrad = group_sum(sumGrad, scratch) / (float) dim;
    float meanOfGradTimesXhat = group_sum(sumGradXhat, scratch) / (float) dim;
    __global float* dxr = dx + dxOff + row * dim;
    for (int j = lid; j < dim; j += RWG) {
        float xhat = (xr[j] - mu) * r;
        dxr[j] = r * (weight[wOff + j] * gr[j] - meanOfGrad - xhat * meanOfGradTimesXhat);
    }
}

// ---- softmax ---------------------------------------------------------------------------------

__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void softmax(__global const float* x, long xOff, __global float* out, long outOff, int cols) {
    __local float scratch[RWG];
    int lid = get_local_id(0);
    long row = get_group_id(0);
    __global const float* xr = x + xOff + row * cols;
    float top = -INFINITY;
    for (int j = lid; j < cols; j += RWG) {
        top = fmax(top, xr[j]);
    }
    top = group_max(top, scratch);
    float sum = 0.0f;
    if (top != -INFINITY) {
        for (int j = lid; j < cols; j += RWG) {
            sum += exp(xr[j] - top);
        }
    }
    sum = group_sum(sum, scratch);
    __global float* outr = out + outOff + row * cols;
    for (int j = lid; j < cols; j += RWG) {
        // A row of -infinity throughout gives zeros.
        outr[j] = top == -INFINITY ? 0.0f : exp(xr[j] - top) / sum;
    }
}

__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void softmax_backward(__global const float* out, long outOff, __global const float* dOut, long dOutOff,
        __global float* dx, long dxOff, int cols) {
    __local float scratch[RWG];
    int lid = get_local_id(0);
    long row = get_group_id(0);
    __global const float* yr = out + outOff + row * cols;
    __global const float* gr = dOut + dOutOff + row * cols;
    float dot = 0.0f;
    for (int j = lid; j < cols; j += RWG) {
        dot += yr[j] * gr[j];
    }
    dot = group_sum(dot, scratch);
    __global float* dxr = dx + dxOff + row * cols;
    for (int j = lid; j < cols; j += RWG) {
        dxr[j] = yr[j] * (gr[j] - dot);
    }
}

// ---- reductions -------------------------------------------------------------------------------

#define REDUCE_SUM 0
#define REDUCE_MEAN 1
#define REDUCE_MAX 2

__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void reduce_rows(__global const float* x, long xOff, __global float* out, long outOff, int cols, int op) {
    __local float scratch[RWG];
    int lid = get_local_id(0);
    long row = get_group_id(0);
    __global const float* xr = x + xOff + row * cols;
    float result;
    if (op == REDUCE_MAX) {
        float top = -INFINITY;
        for (int j = lid; j < cols; j += RWG) {
            top = max_nan(top, xr[j]);
        }
        result = group_max(top, scratch);
    } else {
        float sum = 0.0f;
        for (int j = lid; j < cols; j += RWG) {
            sum += xr[j];
        }
        result = group_sum(sum, scratch);
        if (op == REDUCE_MEAN) {
            result /= (float) cols;
        }
    }
    if (lid == 0) {
        out[outOff + row] = result;
    }
}

// Partial sums of squares, one per work-group, each work-group striding over the whole range;
// the host adds the partials in double.
__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void sum_of_squares(__global const float* x, long xOff, long n, __global float* partials) {
    __local float scratch[RWG];
    long stride = get_global_size(0);
    float sum = 0.0f;
    for (long i = get_global_id(0); i < n; i += stride) {
        float value = x[xOff + i];
        sum += value * value;
    }
    sum = group_sum(sum, scratch);
    if (get_local_id(0) == 0) {
        partials[get_group_id(0)] = sum;
    }
}

// ---- cross-entropy ----------------------------------------------------------------------------
// The forward reads each row once: every work item keeps a running (max, sum of exp) over its
// columns, and the work-group combines them. Targets were checked by the host.

__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void cross_entropy(__global const float* logits, long lOff, __global const int* targets, long tOff,
        __global float* losses, long lossOff, __global float* lse, long lseOff, int vocab, int ignoreIndex) {
    __local float maxes[RWG];
    __local float sums[RWG];
    int lid = get_local_id(0);
    long row = get_group_id(0);
    int target = targets[tOff + row];
    bool ignored = target == ignoreIndex;
    __global const float* lr = logits + lOff + row * vocab;
    float m = -INFINITY;
    float s = 0.0f;
    for (int j = lid; j < vocab && !ignored; j += RWG) {
        lse_add(&m, &s, lr[j]);
    }
    // Every work item reaches the reduction's barriers, ignored row or not.
    float rowLse = group_log_sum_exp(m, s, maxes, sums);
    if (lid == 0) {
        losses[lossOff + row] = ignored ? 0.0f : rowLse - lr[target];
        lse[lseOff + row] = ignored ? 0.0f : rowLse;
    }
}

// dLogits = (softmax - onehot(target)) gradScale, 0 on ignored rows; may alias logits. A
// two-dimensional range: columns (rounded up) by rows.
__kernel void cross_entropy_backward(__global const float* logits, long lOff, __global const int* targets,
        long tOff, __global const float* lse, long lseOff, __global float* dLogits, long dOff,
        int vocab, int ignoreIndex, float gradScale) {
    int c = get_global_id(0);
    long row = get_global_id(1);
    if (c >= vocab) {
        return;
    }
    long at = row * vocab + c;
    int target = targets[tOff + row];
    if (target == ignoreIndex) {
        dLogits[dOff + at] = 0.0f;
        return;
    }
    float p = exp(logits[lOff + at] - lse[lseOff + row]);
    dLogits[dOff + at] = (p - (c == target ? 1.0f : 0.0f)) * gradScale;
}

// ---- parameter gradients of the norms ---------------------------------------------------------
// One work item per column, summing the rows in order onto what the gradient held: no atomics,
// the same bits every run.

__kernel void rms_norm_weight_grad(__global const float* x, long xOff, __global const float* rstd, long rstdOff,
        __global const float* dOut, long dOutOff, __global float* dWeight, long dwOff, int rows, int dim) {
    int j = get_global_id(0);
    if (j >= dim) {
        return;
    }
    float sum = dWeight[dwOff + j];
    for (int r = 0; r < rows; r++) {
        long at = (long) r * dim + j;
        sum += dOut[dOutOff + at] * (x[xOff + at] * rstd[rstdOff + r]);
    }
    dWeight[dwOff + j] = sum;
}

__kernel void layer_norm_param_grads(__global const float* x, long xOff, __global const float* mean, long meanOff,
        __global const float* rstd, long rstdOff, __global const float* dOut, long dOutOff,
        __global float* dWeight, long dwOff, __global float* dBias, long dbOff, int hasBias, int rows, int dim) {
    int j = get_global_id(0);
    if (j >= dim) {
        return;
    }
    float sumWeight = dWeight[dwOff + j];
    float sumBias = hasBias ? dBias[dbOff + j] : 0.0f;
    for (int r = 0; r < rows; r++) {
        long at = (long) r * dim + j;
        float g = dOut[dOutOff + at];
        sumWeight += g * ((x[xOff + at] - mean[meanOff + r]) * rstd[rstdOff + r]);
        sumBias += g;
    }
    dWeight[dwOff + j] = sumWeight;
    if (hasBias) {
        dBias[dbOff + j] = sumBias;
    }
}
