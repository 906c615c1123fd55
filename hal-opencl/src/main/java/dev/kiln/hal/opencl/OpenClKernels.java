package dev.kiln.hal.opencl;

import dev.kiln.api.backend.AdamWStep;
import dev.kiln.api.backend.AttentionShape;
import dev.kiln.api.backend.Gemm;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.backend.Slice;

/**
 * The HAL's kernels on an OpenCL device: each family lives in a small class that checks the
 * operands up front ({@link Operands}) and queues the OpenCL C kernels of
 * {@code dev/kiln/hal/opencl/kernels}.
 */
final class OpenClKernels implements Kernels {

    private final ClGemm gemm;
    private final ClElementwise elementwise;
    private final ClRows rows;
    private final ClRope rope;
    private final ClAttention attention;
    private final ClEmbedding embedding;
    private final ClConvert convert;

    OpenClKernels(OpenClDevice device) {
        this.gemm = new ClGemm(device);
        this.elementwise = new ClElementwise(device);
        this.rows = new ClRows(device);
        this.rope = new ClRope(device);
        this.embedding = new ClEmbedding(device);
        this.convert = new ClConvert(device);
        this.attention = new ClAttention(device, convert);
    }

    @Override
    public void gemm(Gemm shape, Slice a, Slice b, Slice c) {
        gemm.gemm(shape, a, b, c);
    }

    @Override
    public void binary(BinaryOp op, Slice a, Slice b, Slice out, int rows, int cols, boolean broadcastB) {
        elementwise.binary(op, a, b, out, rows, cols, broadcastB);
    }

    @Override
    public void scale(Slice x, Slice out, long n, float alpha) {
        elementwise.scale(x, out, n, alpha);
    }

    @Override
    public void axpy(float alpha, Slice x, Slice y, long n) {
        elementwise.axpy(alpha, x, y, n);
    }

    @Override
    public void fill(Slice out, long n, float value) {
        elementwise.fill(out, n, value);
    }

    @Override
    public void activation(Activation act, Slice x, Slice out, long n) {
        elementwise.activation(act, x, out, n);
    }

    @Override
    public void activationBackward(Activation act, Slice x, Slice dOut, Slice dx, long n) {
        elementwise.activationBackward(act, x, dOut, dx, n);
    }

    @Override
    public void swiglu(Slice gate, Slice up, Slice out, long n) {
        elementwise.swiglu(gate, up, out, n);
    }

    @Override
    public void swigluBackward(Slice gate, Slice up, Slice dOut, Slice dGate, Slice dUp, long n) {
        elementwise.swigluBackward(gate, up, dOut, dGate, dUp, n);
    }

    @Override
    public void rmsNorm(Slice x, Slice weight, Slice out, Slice rstd, int rows, int dim, float eps) {
        this.rows.rmsNorm(x, weight, out, rstd, rows, dim, eps);
    }

    @Override
    public void rmsNormBackward(Slice x, Slice weight, Slice rstd, Slice dOut, Slice dx, Slice dWeight, int rows,
            int dim) {
        this.rows.rmsNormBackward(x, weight, rstd, dOut, dx, dWeight, rows, dim);
    }

    @Override
    public void layerNorm(Slice x, Slice weight, Slice bias, Slice out, Slice mean, Slice rstd, int rows, int dim,
            float eps) {
        this.rows.layerNorm(x, weight, bias, out, mean, rstd, rows, dim, eps);
    }

    @Override
    public void layerNormBackward(Slice x, Slice weight, Slice mean, Slice rstd, Slice dOut, Slice dx,
            Slice dWeight, Slice dBias, int rows, int dim) {
        this.rows.layerNormBackward(x, weight, mean, rstd, dOut, dx, dWeight, dBias, rows, dim);
    }

    @Override
    public void rope(RopeSpec spec, Slice x, Slice positions, int tokens, int heads, boolean inverse) {
        rope.rope(spec, x, positions, tokens, heads, inverse);
    }

    @Override
    public void softmax(Slice x, Slice out, int rows, int cols) {
        this.rows.softmax(x, out, rows, cols);
    }

    @Override
    public void softmaxBackward(Slice out, Slice dOut, Slice dx, int rows, int cols) {
        this.rows.softmaxBackward(out, dOut, dx, rows, cols);
    }

    @Override
    public void attention(AttentionShape shape, Slice q, Slice k, Slice v, Slice mask, Slice out, Slice lse) {
        attention.forward(shape, q, k, v, mask, out, lse);
    }

    @Override
    public void attentionBackward(AttentionShape shape, Slice q, Slice k, Slice v, Slice mask, Slice out,
            Slice lse, Slice dOut, Slice dq, Slice dk, Slice dv) {
        attention.backward(shape, q, k, v, mask, out, lse, dOut, dq, dk, dv);
    }

    @Override
    public void embedding(Slice table, Slice ids, Slice out, int count, int dim, int vocab) {
        embedding.gather(table, ids, out, count, dim, vocab);
    }

    @Override
    public void embeddingBackward(Slice ids, Slice dOut, Slice dTable, int count, int dim, int vocab) {
        embedding.scatterAdd(ids, dOut, dTable, count, dim, vocab);
    }

    @Override
    public void crossEntropy(Slice logits, Slice targets, Slice losses, Slice lse, int rows, int vocab,
            int ignoreIndex) {
        this.rows.crossEntropy(logits, targets, losses, lse, rows, vocab, ignoreIndex);
    }

    @Override
    public void crossEntropyBackward(Slice logits, Slice targets, Slice lse, Slice dLogits, int rows, int vocab,
            int ignoreIndex, float gradScale) {
        this.rows.crossEntropyBackward(logits, targets, lse, dLogits, rows, vocab, ignoreIndex, gradScale);
    }

    @Override
    public void reduce(Reduction op, Slice x, Slice out, int rows, int cols) {
        this.rows.reduce(op, x, out, rows, cols);
    }

    @Override
    public double sumOfSquares(Slice x, long n) {
        return rows.sumOfSquares(x, n);
    }

    @Override
    public void convert(Slice src, Slice dst, long n) {
        convert.convert(src, dst, n);
    }

    @Override
    public void dropout(Slice x, Slice out, long n, float p, long seed) {
        elementwise.dropout("dropout", x, out, n, p, seed);
    }

    @Override
    public void dropoutBackward(Slice dOut, Slice dx, long n, float p, long seed) {
        elementwise.dropout("dropoutBackward", dOut, dx, n, p, seed);
    }

    @Override
    public void adamW(AdamWStep step, Slice param, Slice grad, Slice m, Slice v, long n) {
        elementwise.adamW(step, param, grad, m, v, n);
    }
}
