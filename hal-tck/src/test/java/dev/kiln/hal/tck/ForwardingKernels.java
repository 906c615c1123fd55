package dev.kiln.hal.tck;

import dev.kiln.api.backend.AdamWStep;
import dev.kiln.api.backend.AttentionShape;
import dev.kiln.api.backend.Gemm;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.backend.Slice;

/** Kernels that pass every call on; a broken backend overrides one method. */
class ForwardingKernels implements Kernels {

    protected final Kernels delegate;

    ForwardingKernels(Kernels delegate) {
        this.delegate = delegate;
    }

    @Override
    public void gemm(Gemm shape, Slice a, Slice b, Slice c) {
        delegate.gemm(shape, a, b, c);
    }

    @Override
    public void binary(BinaryOp op, Slice a, Slice b, Slice out, int rows, int cols, boolean broadcastB) {
        delegate.binary(op, a, b, out, rows, cols, broadcastB);
    }

    @Override
    public void scale(Slice x, Slice out, long n, float alpha) {
        delegate.scale(x, out, n, alpha);
    }

    @Override
    public void axpy(float alpha, Slice x, Slice y, long n) {
        delegate.axpy(alpha, x, y, n);
    }

    @Override
    public void fill(Slice out, long n, float value) {
        delegate.fill(out, n, value);
    }

    @Override
    public void activation(Activation act, Slice x, Slice out, long n) {
        delegate.activation(act, x, out, n);
    }

    @Override
    public void activationBackward(Activation act, Slice x, Slice dOut, Slice dx, long n) {
        delegate.activationBackward(act, x, dOut, dx, n);
    }

    @Override
    public void swiglu(Slice gate, Slice up, Slice out, long n) {
        delegate.swiglu(gate, up, out, n);
    }

    @Override
    public void swigluBackward(Slice gate, Slice up, Slice dOut, Slice dGate, Slice dUp, long n) {
        delegate.swigluBackward(gate, up, dOut, dGate, dUp, n);
    }

    @Override
    public void rmsNorm(Slice x, Slice weight, Slice out, Slice rstd, int rows, int dim, float eps) {
        delegate.rmsNorm(x, weight, out, rstd, rows, dim, eps);
    }

    @Override
    public void rmsNormBackward(Slice x, Slice weight, Slice rstd, Slice dOut, Slice dx, Slice dWeight, int rows,
            int dim) {
        delegate.rmsNormBackward(x, weight, rstd, dOut, dx, dWeight, rows, dim);
    }

    @Override
    public void layerNorm(Slice x, Slice weight, Slice bias, Slice out, Slice mean, Slice rstd, int rows, int dim,
            float eps) {
        delegate.layerNorm(x, weight, bias, out, mean, rstd, rows, dim, eps);
    }

    @Override
    public void layerNormBackward(Slice x, Slice weight, Slice mean, Slice rstd, Slice dOut, Slice dx, Slice dWeight,
            Slice dBias, int rows, int dim) {
        delegate.layerNormBackward(x, weight, mean, rstd, dOut, dx, dWeight, dBias, rows, dim);
    }

    @Override
    public void rope(RopeSpec spec, Slice x, Slice positions, int tokens, int heads, boolean inverse) {
        delegate.rope(spec, x, positions, tokens, heads, inverse);
    }

    @Override
    public void softmax(Slice x, Slice out, int rows, int cols) {
        delegate.softmax(x, out, rows, cols);
    }

    @Override
    public void softmaxBackward(Slice out, Slice dOut, Slice dx, int rows, int cols) {
        delegate.softmaxBackward(out, dOut, dx, rows, cols);
    }

    @Override
    public void attention(AttentionShape shape, Slice q, Slice k, Slice v, Slice mask, Slice out, Slice lse) {
        delegate.attention(shape, q, k, v, mask, out, lse);
    }

    @Override
    public void attentionBackward(AttentionShape shape, Slice q, Slice k, Slice v, Slice mask, Slice out, Slice lse,
            Slice dOut, Slice dq, Slice dk, Slice dv) {
        delegate.attentionBackward(shape, q, k, v, mask, out, lse, dOut, dq, dk, dv);
    }

    @Override
    public void embedding(Slice table, Slice ids, Slice out, int count, int dim, int vocab) {
        delegate.embedding(table, ids, out, count, dim, vocab);
    }

    @Override
    public void embeddingBackward(Slice ids, Slice dOut, Slice dTable, int count, int dim, int vocab) {
        delegate.embeddingBackward(ids, dOut, dTable, count, dim, vocab);
    }

    @Override
    public void crossEntropy(Slice logits, Slice targets, Slice losses, Slice lse, int rows, int vocab,
            int ignoreIndex) {
        delegate.crossEntropy(logits, targets, losses, lse, rows, vocab, ignoreIndex);
    }

    @Override
    public void crossEntropyBackward(Slice logits, Slice targets, Slice lse, Slice dLogits, int rows, int vocab,
            int ignoreIndex, float gradScale) {
        delegate.crossEntropyBackward(logits, targets, lse, dLogits, rows, vocab, ignoreIndex, gradScale);
    }

    @Override
    public void reduce(Reduction op, Slice x, Slice out, int rows, int cols) {
        delegate.reduce(op, x, out, rows, cols);
    }

    @Override
    public double sumOfSquares(Slice x, long n) {
        return delegate.sumOfSquares(x, n);
    }

    @Override
    public void convert(Slice src, Slice dst, long n) {
        delegate.convert(src, dst, n);
    }

    @Override
    public void dropout(Slice x, Slice out, long n, float p, long seed) {
        delegate.dropout(x, out, n, p, seed);
    }

    @Override
    public void dropoutBackward(Slice dOut, Slice dx, long n, float p, long seed) {
        delegate.dropoutBackward(dOut, dx, n, p, seed);
    }

    @Override
    public void adamW(AdamWStep step, Slice param, Slice grad, Slice m, Slice v, long n) {
        delegate.adamW(step, param, grad, m, v, n);
    }
}
