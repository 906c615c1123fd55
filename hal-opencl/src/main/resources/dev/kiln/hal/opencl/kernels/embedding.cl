// Embedding gather and its deterministic scatter-add. The host has checked every id against the
// vocabulary.

// out[t, :] = table[ids[t], :]; a two-dimensional range: columns (rounded up) by tokens.
__kernel void embedding(__global const float* table, long tableOff, __global const int* ids, long idsOff,
        __global float* out, long outOff, int dim) {
    int j = get_global_id(0);
    long t = get_global_id(1);
    if (j < dim) {
        out[outOff + t * dim + j] = table[tableOff + (long) ids[idsOff + t] * dim + j];
    }
}

// dTable[id, :] += dOut[t, :] for every token t with that id, in token order. The host groups the
// tokens by id (rows: the distinct ids; starts/tokens: each id's tokens, ascending), so every
// table element is summed by one work item: no atomics, the same bits every run. A
// two-dimensional range: columns (rounded up) by distinct ids.
__kernel void embedding_backward(__global const int* rowIds, __global const int* starts,
        __global const int* tokens, __global const float* dOut, long dOutOff,
        __global float* dTable, long dTableOff, int dim) {
    int j = get_global_id(0);
    int u = get_global_id(1);
    if (j >= dim) {
        return;
    }
    long at = dTableOff + (long) rowIds[u] * dim + j;
    float sum = dTable[at];
    for (int s = starts[u]; s < starts[u + 1]; s++) {
        sum += dOut[dOutOff + (long) tokens[s] * dim + j];
    }
    dTable[at] = sum;
}
