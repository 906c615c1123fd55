// Rotary position embeddings, in place on x [tokens, heads, headDim]: one work item per
// rotating pair. The host computes the inverse frequencies in double (with rope_scaling) and
// passes them as floats; the angle position × frequency is formed in float.

__kernel void rope(__global float* x, long xOff, __global const int* positions, long pOff,
        __global const float* frequencies, long fOff, long pairs, int heads, int headDim, int halfRotary,
        int interleaved, int inverse) {
    long gid = get_global_id(0);
    if (gid >= pairs) {
        return;
    }
    int i = gid % halfRotary;
    long head = gid / halfRotary; // token * heads + h
    long token = head / heads;
    float angle = (float) positions[pOff + token] * frequencies[fOff + i];
    float cosine;
    float sine = sincos(angle, &cosine);
    if (inverse) {
        sine = -sine;
    }
    __global float* row = x + xOff + head * headDim;
    int first = interleaved ? 2 * i : i;
    int second = interleaved ? 2 * i + 1 : i + halfRotary;
    float x1 = row[first];
    float x2 = row[second];
    row[first] = x1 * cosine - x2 * sine;
    row[second] = x2 * cosine + x1 * sine;
}
