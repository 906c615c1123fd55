// Fused grouped-query attention, flash-style: no seqQ × seqK buffer. The host compiles this file
// once per head-size class with
//   HD  the capacity of a head in private memory (a power of two >= headDim),
//   BK  how many key (or query) rows a local-memory tile holds.
//
// Layouts (AttentionShape): q, out, dOut, dq [batch, seqQ, heads, headDim]; k, v, dk, dv
// [batch, kvCapacity, kvHeads, headDim], of which positions below seqK are used and nothing else
// is read or written; lse and the backward's dot [batch, heads, seqQ]; mask [batch, seqQ, seqK].
// Query i sits at position queryOffset + i; causal, it sees keys 0 .. queryOffset + i.

inline long q_at(int b, int i, int h, int seqQ, int heads, int headDim) {
    return (((long) b * seqQ + i) * heads + h) * headDim;
}

inline long kv_at(int b, int j, int g, int kvCapacity, int kvHeads, int headDim) {
    return (((long) b * kvCapacity + j) * kvHeads + g) * headDim;
}

// A query-per-work-item kernel's place: work-groups cover (batch, head, block of
// get_local_size(0) queries); b, h, the kv head g it reads, the group's first query and the item's
// query i (maybe >= seqQ in the last block: such items only help load tiles).
typedef struct { int b; int h; int g; int first; int i; } QueryItem;

inline QueryItem query_item(int seqQ, int heads, int kvHeads) {
    const int queriesPerGroup = get_local_size(0);
    const int blocks = (seqQ + queriesPerGroup - 1) / queriesPerGroup;
    QueryItem item;
    item.h = (get_group_id(0) / blocks) % heads;
    item.b = get_group_id(0) / blocks / heads;
    item.g = item.h / (heads / kvHeads);
    item.first = get_group_id(0) % blocks * queriesPerGroup;
    item.i = item.first + get_local_id(0);
    return item;
}

// Keys j0 .. j0 + count - 1 of kv head g into a local tile, rows HD apart.
inline void load_rows(__local float* tile, __global const float* src, int b, int j0, int count, int g,
        int kvCapacity, int kvHeads, int headDim) {
    for (int e = get_local_id(0); e < count * headDim; e += get_local_size(0)) {
        int r = e / headDim;
        int d = e % headDim;
        tile[r * HD + d] = src[kv_at(b, j0 + r, g, kvCapacity, kvHeads, headDim) + d];
    }
}

// Forward: a work-group per (batch, head, block of get_local_size(0) queries), a work item per
// query, with online softmax over tiles of BK keys shared through local memory.
__kernel void attention_forward(__global const float* q, long qOff, __global const float* k, long kOff,
        __global const float* v, long vOff, __global const float* mask, long maskOff, int hasMask,
        __global float* out, long outOff, __global float* lse, long lseOff,
        int seqQ, int seqK, int kvCapacity, int heads, int kvHeads, int headDim,
        float scale, int causal, int queryOffset) {
    __local float keys[BK * HD];
    __local float values[BK * HD];
    const QueryItem item = query_item(seqQ, heads, kvHeads);
    const int b = item.b, h = item.h, g = item.g, i = item.i;
    const bool active = i < seqQ;
    q += qOff;
    k += kOff;
    v += vOff;

    float query[HD];
    float acc[HD];
    for (int d = 0; d < headDim; d++) {
        query[d] = active ? q[q_at(b, i, h, seqQ, heads, headDim) + d] : 0.0f;
        acc[d] = 0.0f;
    }
    float top = -INFINITY;
    float sum = 0.0f;
    int lastQuery = min(seqQ, item.first + (int) get_local_size(0)) - 1;
    int keysNeeded = causal ? min(seqK, queryOffset + lastQuery + 1) : seqK;
    for (int j0 = 0; j0 < keysNeeded; j0 += BK) {
        int count = min(BK, keysNeeded - j0);
        barrier(CLK_LOCAL_MEM_FENCE);
        load_rows(keys, k, b, j0, count, g, kvCapacity, kvHeads, headDim);
        load_rows(values, v, b, j0, count, g, kvCapacity, kvHeads, headDim);
        barrier(CLK_LOCAL_MEM_FENCE);
        if (!active) {
            continue;
        }
        int visible = causal ? min(count, queryOffset + i + 1 - j0) : count;
        float scores[BK];
        float tileTop = -INFINITY;
        for (int r = 0; r < visible; r++) {
            float dot = 0.0f;
            for (int d = 0; d < headDim; d++) {
                dot += query[d] * keys[r * HD + d];
            }
            float s = scale * dot;
            if (hasMask) {
                s += mask[maskOff + ((long) b * seqQ + i) * seqK + j0 + r];
            }
            scores[r] = s;
            tileTop = fmax(tileTop, s);
        }
        if (tileTop == -INFINITY) {
            continue; // nothing visible in this tile
        }
        float newTop = fmax(top, tileTop);
        float rescale = exp(top - newTop);
        sum *= rescale;
        for (int d = 0; d < headDim; d++) {
            acc[d] *= rescale;
        }
        for (int r = 0; r < visible; r++) {
            float p = exp(scores[r] - newTop);
            sum += p;
            for (int d = 0; d < headDim; d++) {
                acc[d] += p * values[r * HD + d];
            }
        }
        top = newTop;
    }
    if (!active) {
        return;
    }
    long at = q_at(b, i, h, seqQ, heads, headDim);
    bool masked = top == -INFINITY; // no key visible: out 0, lse -infinity
    float inverse = masked ? 0.0f : 1.0f / sum;
    for (int d = 0; d < headDim; d++) {
        out[outOff + at + d] = acc[d] * inverse;
    }
    lse[lseOff + ((long) b * heads + h) * seqQ + i] = masked ? -INFINITY : top + log(sum);
}

// dot[b, h, i] = dOut · out of each query row, which every score gradient needs.
__kernel void attention_backward_dot(__global const float* out, long outOff, __global const float* dOut,
        long dOutOff, __global float* dots, int seqQ, int heads, int headDim, long rows) {
    long row = get_global_id(0); // (b * heads + h) * seqQ + i
    if (row >= rows) {
        return;
    }
    int i = row % seqQ;
    int h = (row / seqQ) % heads;
    int b = row / seqQ / heads;
    long at = q_at(b, i, h, seqQ, heads, headDim);
    float dot = 0.0f;
    for (int d = 0; d < headDim; d++) {
        dot += dOut[dOutOff + at + d] * out[outOff + at + d];
    }
    dots[row] = dot;
}

// dq = scale sum_j ds_j k_j with p_j = exp(s_j - lse), ds_j = p_j (dOut·v_j - dot): laid out as the
// forward, a work item per query.
__kernel void attention_backward_dq(__global const float* q, long qOff, __global const float* k, long kOff,
        __global const float* v, long vOff, __global const float* mask, long maskOff, int hasMask,
        __global const float* lse, long lseOff, __global const float* dots, __global const float* dOut,
        long dOutOff, __global float* dq, long dqOff,
        int seqQ, int seqK, int kvCapacity, int heads, int kvHeads, int headDim,
        float scale, int causal, int queryOffset) {
    __local float keys[BK * HD];
    __local float values[BK * HD];
    const QueryItem item = query_item(seqQ, heads, kvHeads);
    const int b = item.b, h = item.h, g = item.g, i = item.i;
    const bool active = i < seqQ;
    q += qOff;
    k += kOff;
    v += vOff;

    long at = q_at(b, i, h, seqQ, heads, headDim);
    long statAt = ((long) b * heads + h) * seqQ + i;
    float rowLse = active ? lse[lseOff + statAt] : -INFINITY;
    float rowDot = active ? dots[statAt] : 0.0f;
    float query[HD];
    float gradOut[HD];
    float grad[HD];
    for (int d = 0; d < headDim; d++) {
        query[d] = active ? q[at + d] : 0.0f;
        gradOut[d] = active ? dOut[dOutOff + at + d] : 0.0f;
        grad[d] = 0.0f;
    }
    int lastQuery = min(seqQ, item.first + (int) get_local_size(0)) - 1;
    int keysNeeded = causal ? min(seqK, queryOffset + lastQuery + 1) : seqK;
    for (int j0 = 0; j0 < keysNeeded; j0 += BK) {
        int count = min(BK, keysNeeded - j0);
        barrier(CLK_LOCAL_MEM_FENCE);
        load_rows(keys, k, b, j0, count, g, kvCapacity, kvHeads, headDim);
        load_rows(values, v, b, j0, count, g, kvCapacity, kvHeads, headDim);
        barrier(CLK_LOCAL_MEM_FENCE);
        if (rowLse == -INFINITY) {
            continue; // inactive, or a fully masked row: no gradient
        }
        int visible = causal ? min(count, queryOffset + i + 1 - j0) : count;
        for (int r = 0; r < visible; r++) {
            float dot = 0.0f;
            float dp = 0.0f;
            for (int d = 0; d < headDim; d++) {
                dot += query[d] * keys[r * HD + d];
                dp += gradOut[d] * values[r * HD + d];
            }
            float s = scale * dot;
            if (hasMask) {
                s += mask[maskOff + ((long) b * seqQ + i) * seqK + j0 + r];
            }
            float ds = exp(s - rowLse) * (dp - rowDot);
            for (int d = 0; d < headDim; d++) {
                grad[d] += ds * keys[r * HD + d];
            }
        }
    }
    if (active) {
        for (int d = 0; d < headDim; d++) {
            dq[dqOff + at + d] = scale * grad[d];
        }
    }
}

// dk_j = scale sum ds q, dv_j = sum p dOut over every query of every head that shares kv head g:
// a work-group per (batch, kv head, block of get_local_size(0) keys), a work item per key, with
// tiles of BK queries shared through local memory. Each key is summed by one work item, in a
// fixed order: no atomics.
__kernel void attention_backward_dkdv(__global const float* q, long qOff, __global const float* k, long kOff,
        __global const float* v, long vOff, __global const float* mask, long maskOff, int hasMask,
        __global const float* lse, long lseOff, __global const float* dots, __global const float* dOut,
        long dOutOff, __global float* dk, long dkOff, __global float* dv, long dvOff,
        int seqQ, int seqK, int kvCapacity, int heads, int kvHeads, int headDim,
        float scale, int causal, int queryOffset) {
    __local float queries[BK * HD];
    __local float gradOuts[BK * HD];
    __local float rowLse[BK];
    __local float rowDot[BK];
    const int keysPerGroup = get_local_size(0);
    const int blocks = (seqK + keysPerGroup - 1) / keysPerGroup;
    const int block = get_group_id(0) % blocks;
    const int g = (get_group_id(0) / blocks) % kvHeads;
    const int b = get_group_id(0) / blocks / kvHeads;
    const int j = block * keysPerGroup + get_local_id(0);
    const bool active = j < seqK;
    const int group = heads / kvHeads;
    q += qOff;
    dOut += dOutOff;

    long at = kv_at(b, j, g, kvCapacity, kvHeads, headDim);
    float key[HD];
    float value[HD];
    float gradK[HD];
    float gradV[HD];
    for (int d = 0; d < headDim; d++) {
        key[d] = active ? k[kOff + at + d] : 0.0f;
        value[d] = active ? v[vOff + at + d] : 0.0f;
        gradK[d] = 0.0f;
        gradV[d] = 0.0f;
    }
    // Causal: only queries at positions from this block's first key on see any of its keys.
    int firstQuery = causal ? max(0, block * keysPerGroup - queryOffset) : 0;
    for (int h = g * group; h < (g + 1) * group; h++) {
        for (int i0 = firstQuery; i0 < seqQ; i0 += BK) {
            int count = min(BK, seqQ - i0);
            barrier(CLK_LOCAL_MEM_FENCE);
            for (int e = get_local_id(0); e < count * headDim; e += get_local_size(0)) {
                int r = e / headDim;
                int d = e % headDim;
                long from = q_at(b, i0 + r, h, seqQ, heads, headDim) + d;
                queries[r * HD + d] = q[from];
                gradOuts[r * HD + d] = dOut[from];
            }
            for (int r = get_local_id(0); r < count; r += get_local_size(0)) {
                long statAt = ((long) b * heads + h) * seqQ + i0 + r;
                rowLse[r] = lse[lseOff + statAt];
                rowDot[r] = dots[statAt];
            }
            barrier(CLK_LOCAL_MEM_FENCE);
            if (!active) {
                continue;
            }
            for (int r = 0; r < count; r++) {
                int i = i0 + r;
                if ((causal && j > queryOffset + i) || rowLse[r] == -INFINITY) {
                    continue;
                }
                float dot = 0.0f;
                float dp = 0.0f;
                for (int d = 0; d < headDim; d++) {
                    dot += queries[r * HD + d] * key[d];
                    dp += gradOuts[r * HD + d] * value[d];
                }
                float s = scale * dot;
                if (hasMask) {
                    s += mask[maskOff + ((long) b * seqQ + i) * seqK + j];
                }
                float p = exp(s - rowLse[r]);
                float ds = p * (dp - rowDot[r]);
                for (int d = 0; d < headDim; d++) {
                    gradV[d] += p * gradOuts[r * HD + d];
                    gradK[d] += ds * queries[r * HD + d];
                }
            }
        }
    }
    if (active) {
        for (int d = 0; d < headDim; d++) {
            dk[dkOff + at + d] = scale * gradK[d];
            dv[dvOff + at + d] = gradV[d];
        }
    }
}
