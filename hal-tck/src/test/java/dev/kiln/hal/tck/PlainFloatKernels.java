package dev.kiln.hal.tck;

import dev.kiln.api.backend.AdamWStep;
import dev.kiln.api.backend.AttentionShape;
import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.Gemm;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import dev.kiln.hal.tck.reference.ReferenceKernels;
import dev.kiln.hal.tck.reference.math.Blas;
import dev.kiln.hal.tck.reference.math.FloatFormats;
import dev.kiln.hal.tck.reference.math.Pointwise;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * What a straightforward F32 backend computes: the accuracy-sensitive kernels redone in float
 * arithmetic, the way a first port would write them (sequential float sums, online softmax,
 * single-pass variance, float RoPE angles as Hugging Face computes them, division by
 * reciprocal). The kit must accept it, or its tolerances are tighter than F32 allows.
 */
final class PlainFloatKernels extends ForwardingKernels {

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Device device;

    PlainFloatKernels(Device device, Kernels reference) {
        super(reference);
        this.device = device;
    }

    @Override
    public void gemm(Gemm g, Slice a, Slice b, Slice c) {
        float[] as = read(a, Blas.extentA(g));
        float[] bs = read(b, Blas.extentB(g));
        float[] cs = read(c, Blas.extentC(g));
        for (int t = 0; t < g.batch(); t++) {
            for (int i = 0; i < g.m(); i++) {
                for (int j = 0; j < g.n(); j++) {
                    float acc = 0;
                    for (int p = 0; p < g.k(); p++) {
                        long atA = t * g.strideA() + (g.transA() ? (long) p * g.lda() + i : (long) i * g.lda() + p);
                        long atB = t * g.strideB() + (g.transB() ? (long) j * g.ldb() + p : (long) p * g.ldb() + j);
                        acc += as[(int) atA] * bs[(int) atB];
                    }
                    int atC = (int) (t * g.strideC() + (long) i * g.ldc() + j);
                    cs[atC] = g.beta() == 0 ? g.alpha() * acc : g.alpha() * acc + g.beta() * cs[atC];
                }
            }
        }
        write(c, cs);
    }

    @Override
    public void binary(BinaryOp op, Slice a, Slice b, Slice out, int rows, int cols, boolean broadcastB) {
        float[] as = read(a, rows * cols);
        float[] bs = read(b, broadcastB ? cols : rows * cols);
        float[] result = new float[rows * cols];
        for (int i = 0; i < result.length; i++) {
            float y = bs[broadcastB ? i % cols : i];
            result[i] = switch (op) {
                case ADD -> as[i] + y;
                case SUB -> as[i] - y;
                case MUL -> as[i] * y;
                case DIV -> as[i] * (1f / y);
            };
        }
        write(out, result);
    }

    @Override
    public void axpy(float alpha, Slice x, Slice y, long n) {
        float[] xs = read(x, n);
        float[] ys = read(y, n);
        for (int i = 0; i < n; i++) {
            float product = alpha * xs[i];
            ys[i] = ys[i] + product;
        }
        write(y, ys);
    }

    @Override
    public void activation(Activation act, Slice x, Slice out, long n) {
        float[] xs = read(x, n);
        for (int i = 0; i < n; i++) {
            float v = xs[i];
            xs[i] = switch (act) {
                case SILU -> v / (1f + (float) Math.exp(-v));
                case GELU_ERF -> 0.5f * v * (1f + (float) Pointwise.erf(v * 0.70710677f));
                case GELU_TANH -> 0.5f * v * (1f + (float) Math.tanh(0.7978846f * (v + 0.044715f * v * v * v)));
                case RELU -> Math.max(v, 0f);
            };
        }
        write(out, xs);
    }

    @Override
    public void rmsNorm(Slice x, Slice weight, Slice out, Slice rstd, int rows, int dim, float eps) {
        float[] xs = read(x, (long) rows * dim);
        float[] w = read(weight, dim);
        float[] r = new float[rows];
        for (int row = 0; row < rows; row++) {
            float sum = 0;
            for (int j = 0; j < dim; j++) {
                sum += xs[row * dim + j] * xs[row * dim + j];
            }
            r[row] = 1f / (float) Math.sqrt(sum / dim + eps);
            for (int j = 0; j < dim; j++) {
                xs[row * dim + j] = xs[row * dim + j] * r[row] * w[j];
            }
        }
        write(out, xs);
        write(rstd, r);
    }

    @Override
    public void rmsNormBackward(Slice x, Slice weight, Slice rstd, Slice dOut, Slice dx, Slice dWeight, int rows,
            int dim) {
        float[] xs = read(x, (long) rows * dim);
        float[] w = read(weight, dim);
        float[] r = read(rstd, rows);
        float[] g = read(dOut, (long) rows * dim);
        float[] dw = read(dWeight, dim);
        float[] result = new float[rows * dim];
        for (int row = 0; row < rows; row++) {
            float dot = 0;
            for (int j = 0; j < dim; j++) {
                int i = row * dim + j;
                dot += w[j] * g[i] * xs[i] * r[row];
                dw[j] += g[i] * xs[i] * r[row];
            }
            dot /= dim;
            for (int j = 0; j < dim; j++) {
                int i = row * dim + j;
                result[i] = r[row] * (w[j] * g[i] - xs[i] * r[row] * dot);
            }
        }
        write(dx, result);
        write(dWeight, dw);
    }

    /** Single-pass statistics, E[x^2] - E[x]^2, as a first port often has them. */
    @Override
    public void layerNorm(Slice x, Slice weight, Slice bias, Slice out, Slice mean, Slice rstd, int rows, int dim,
            float eps) {
        float[] xs = read(x, (long) rows * dim);
        float[] w = read(weight, dim);
        float[] bs = read(bias, dim);
        float[] means = new float[rows];
        float[] r = new float[rows];
        for (int row = 0; row < rows; row++) {
            float sum = 0;
            float squares = 0;
            for (int j = 0; j < dim; j++) {
                sum += xs[row * dim + j];
                squares += xs[row * dim + j] * xs[row * dim + j];
            }
            means[row] = sum / dim;
            float variance = Math.max(squares / dim - means[row] * means[row], 0f);
            r[row] = 1f / (float) Math.sqrt(variance + eps);
            for (int j = 0; j < dim; j++) {
                xs[row * dim + j] = (xs[row * dim + j] - means[row]) * r[row] * w[j] + bs[j];
            }
        }
        write(out, xs);
        write(mean, means);
        write(rstd, r);
    }

    /** Hugging Face's float path: float inv_freq, float angle, float cos and sin. */
    @Override
    public void rope(RopeSpec spec, Slice x, Slice positions, int tokens, int heads, boolean inverse) {
        float[] xs = read(x, (long) tokens * heads * spec.headDim());
        float[] pos = read(positions, tokens);
        double[] frequencies = ReferenceKernels.ropeInverseFrequencies(spec);
        int half = spec.rotaryDim() / 2;
        for (int t = 0; t < tokens; t++) {
            for (int h = 0; h < heads; h++) {
                int head = (t * heads + h) * spec.headDim();
                for (int i = 0; i < half; i++) {
                    float angle = pos[t] * (float) frequencies[i];
                    float cos = (float) Math.cos(angle);
                    float sin = (inverse ? -1 : 1) * (float) Math.sin(angle);
                    int first = head + (spec.interleaved() ? 2 * i : i);
                    int second = head + (spec.interleaved() ? 2 * i + 1 : i + half);
                    float x1 = xs[first];
                    float x2 = xs[second];
                    xs[first] = x1 * cos - x2 * sin;
                    xs[second] = x2 * cos + x1 * sin;
                }
            }
        }
        write(x, xs);
    }

    @Override
    public void softmax(Slice x, Slice out, int rows, int cols) {
        float[] xs = read(x, (long) rows * cols);
        for (int row = 0; row < rows; row++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, xs[row * cols + c]);
            }
            float sum = 0;
            for (int c = 0; c < cols; c++) {
                float e = max == Float.NEGATIVE_INFINITY ? 0 : (float) Math.exp(xs[row * cols + c] - max);
                xs[row * cols + c] = e;
                sum += e;
            }
            float inverse = sum == 0 ? 0 : 1f / sum;
            for (int c = 0; c < cols; c++) {
                xs[row * cols + c] *= inverse;
            }
        }
        write(out, xs);
    }

    /** Flash-style: one pass over the keys with a running maximum, in float. */
    @Override
    public void attention(AttentionShape s, Slice q, Slice k, Slice v, Slice mask, Slice out, Slice lse) {
        float[] qs = read(q, s.queryElements());
        float[] ks = read(k, s.keyElements());
        float[] vs = read(v, s.keyElements());
        float[] masks = mask == null ? null : read(mask, (long) s.batch() * s.seqQ() * s.seqK());
        float[] outs = new float[(int) s.queryElements()];
        float[] lses = new float[(int) s.lseElements()];
        int group = s.heads() / s.kvHeads();
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < s.heads(); h++) {
                for (int i = 0; i < s.seqQ(); i++) {
                    int qAt = ((b * s.seqQ() + i) * s.heads() + h) * s.headDim();
                    float max = Float.NEGATIVE_INFINITY;
                    float sum = 0;
                    float[] acc = new float[s.headDim()];
                    int lastKey = s.causal() ? Math.min(s.seqK() - 1, s.queryOffset() + i) : s.seqK() - 1;
                    for (int j = 0; j <= lastKey; j++) {
                        int kAt = ((b * s.kvCapacity() + j) * s.kvHeads() + h / group) * s.headDim();
                        float dot = 0;
                        for (int d = 0; d < s.headDim(); d++) {
                            dot += qs[qAt + d] * ks[kAt + d];
                        }
                        float score = dot * s.scale() + (masks == null ? 0 : masks[(b * s.seqQ() + i) * s.seqK() + j]);
                        if (score == Float.NEGATIVE_INFINITY) {
                            continue;
                        }
                        float newMax = Math.max(max, score);
                        float correction = (float) Math.exp(max - newMax);
                        float p = (float) Math.exp(score - newMax);
                        sum = sum * correction + p;
                        for (int d = 0; d < s.headDim(); d++) {
                            acc[d] = acc[d] * correction + p * vs[kAt + d];
                        }
                        max = newMax;
                    }
                    lses[(b * s.heads() + h) * s.seqQ() + i] = sum == 0 ? Float.NEGATIVE_INFINITY
                            : max + (float) Math.log(sum);
                    for (int d = 0; d < s.headDim(); d++) {
                        outs[qAt + d] = sum == 0 ? 0 : acc[d] / sum;
                    }
                }
            }
        }
        write(out, outs);
        write(lse, lses);
    }

    @Override
    public void crossEntropy(Slice logits, Slice targets, Slice losses, Slice lse, int rows, int vocab,
            int ignoreIndex) {
        float[] xs = read(logits, (long) rows * vocab);
        float[] ts = read(targets, rows);
        float[] lossValues = new float[rows];
        float[] lseValues = new float[rows];
        for (int row = 0; row < rows; row++) {
            int target = (int) ts[row];
            if (target == ignoreIndex) {
                continue;
            }
            // Online log-sum-exp, one pass over the vocabulary.
            float max = Float.NEGATIVE_INFINITY;
            float sum = 0;
            for (int c = 0; c < vocab; c++) {
                float value = xs[row * vocab + c];
                float newMax = Math.max(max, value);
                sum = sum * (float) Math.exp(max - newMax) + (float) Math.exp(value - newMax);
                max = newMax;
            }
            lseValues[row] = max + (float) Math.log(sum);
            lossValues[row] = lseValues[row] - xs[row * vocab + target];
        }
        write(losses, lossValues);
        write(lse, lseValues);
    }

    @Override
    public void reduce(Reduction op, Slice x, Slice out, int rows, int cols) {
        float[] xs = read(x, (long) rows * cols);
        float[] result = new float[rows];
        for (int row = 0; row < rows; row++) {
            float sum = 0;
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                sum += xs[row * cols + c];
                max = Math.max(max, xs[row * cols + c]);
            }
            result[row] = op == Reduction.MAX ? max : op == Reduction.MEAN ? sum / cols : sum;
        }
        write(out, result);
    }

    @Override
    public double sumOfSquares(Slice x, long n) {
        float sum = 0;
        for (float value : read(x, n)) {
            sum += value * value;
        }
        return sum;
    }

    @Override
    public void dropout(Slice x, Slice out, long n, float p, long seed) {
        float[] xs = read(x, n);
        float scale = 1f / (1f - p);
        for (int i = 0; i < n; i++) {
            xs[i] = ReferenceKernels.dropoutKeep(seed, i, p) ? xs[i] * scale : 0f;
        }
        write(out, xs);
    }

    /** torch.optim.AdamW's single-tensor loop, in float. */
    @Override
    public void adamW(AdamWStep s, Slice param, Slice grad, Slice m, Slice v, long n) {
        float[] p = read(param, n);
        float[] g = read(grad, n);
        float[] ms = read(m, n);
        float[] vs = read(v, n);
        float biasCorrection1 = 1f - (float) Math.pow(s.beta1(), s.step());
        float biasCorrection2Sqrt = (float) Math.sqrt(1f - (float) Math.pow(s.beta2(), s.step()));
        float stepSize = s.lr() / biasCorrection1;
        for (int i = 0; i < n; i++) {
            p[i] *= 1f - s.lr() * s.weightDecay();
            ms[i] += (g[i] - ms[i]) * (1f - s.beta1());
            vs[i] = vs[i] * s.beta2() + (1f - s.beta2()) * g[i] * g[i];
            float denominator = (float) Math.sqrt(vs[i]) / biasCorrection2Sqrt + s.eps();
            p[i] -= stepSize * ms[i] / denominator;
        }
        write(param, p);
        write(m, ms);
        write(v, vs);
    }

    // ---- host access through the device's transfers ----------------------------------------

    private float[] read(Slice slice, long n) {
        DType dtype = slice.buffer().dtype();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(n * dtype.byteSize());
            device.download(slice, host);
            float[] values = new float[(int) n];
            for (int i = 0; i < n; i++) {
                values[i] = switch (dtype) {
                    case F32 -> host.getAtIndex(FLOAT, i);
                    case BF16 -> FloatFormats.bf16ToFloat(host.getAtIndex(SHORT, i));
                    case F16 -> Float.float16ToFloat(host.getAtIndex(SHORT, i));
                    case I32 -> host.getAtIndex(INT, i);
                    default -> throw new IllegalArgumentException(dtype.toString());
                };
            }
            return values;
        }
    }

    private void write(Slice slice, float[] values) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate((long) values.length * Float.BYTES);
            for (int i = 0; i < values.length; i++) {
                host.setAtIndex(FLOAT, i, values[i]);
            }
            device.upload(host, slice);
        }
    }

}
