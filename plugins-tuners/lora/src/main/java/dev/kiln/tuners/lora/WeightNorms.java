package dev.kiln.tuners.lora;

import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;

/**
 * DoRA's weight norm: {@code ||W + s·B A||} of every output row (the L2 norm over the inputs),
 * as PEFT's {@code DoraLinearLayer.get_weight_norm}, computed without a graph (PEFT detaches it,
 * as the DoRA paper's section 4.3 does).
 *
 * <p>The adapted weight is never formed. Row o's square is expanded as
 * {@code ||w_o||² + 2s·b_o·(A w_o) + s²·b_o (A Aᵀ) b_oᵀ}: the device computes {@code A Wᵀ}
 * {@code [r, out]} and {@code A Aᵀ} {@code [r, r]} (r·in·out multiplications, as B A would
 * cost, in either weight layout), the host the rest in double from r-sized pieces. The base
 * weight is frozen, so its row norms are taken once.
 */
@SuppressWarnings("try") // the grad mode and scope act by being open
final class WeightNorms {

    private final TensorOps ops;
    private final LinearLayer base;
    private final double[] baseSquares;

    WeightNorms(TensorOps ops, LinearLayer base) {
        this.ops = ops;
        this.base = base;
        this.baseSquares = squares(base.weight().toFloatArray(), base.outFeatures(),
                base.inFeatures(), base.fanInFanOut());
    }

    /** {@code ||W + scaling · B A||} per output row: {@code [out]}. */
    double[] of(Tensor a, Tensor b, double scaling) {
        int out = base.outFeatures();
        int rank = a.shape().dim(0);
        float[] aw;
        float[] gram;
        try (GradMode off = ops.noGrad(); TensorScope scope = ops.scope()) {
            Tensor weight = base.weight();
            aw = (base.fanInFanOut()
                    ? ops.matmul(a, f32(weight), false) // A [r, in] · W [in, out]
                    : ops.linear(a, weight, null))      // A [r, in] · Wᵀ, W [out, in]
                    .toFloatArray();
            gram = ops.matmul(a, a, true).toFloatArray();
        }
        float[] bs = b.toFloatArray(); // [out, r]
        double[] norms = new double[out];
        for (int o = 0; o < out; o++) {
            double cross = 0;
            double quadratic = 0;
            for (int k = 0; k < rank; k++) {
                double bk = bs[o * rank + k];
                cross += bk * aw[k * out + o];
                double gb = 0;
                for (int l = 0; l < rank; l++) {
                    gb += (double) gram[k * rank + l] * bs[o * rank + l];
                }
                quadratic += bk * gb;
            }
            double square = baseSquares[o] + 2 * scaling * cross + scaling * scaling * quadratic;
            norms[o] = Math.sqrt(Math.max(0, square));
        }
        return norms;
    }

    /** The row norms of a weight's values in its layout ({@code [in, out]} when fanInFanOut). */
    static double[] of(float[] weight, int out, int in, boolean fanInFanOut) {
        double[] norms = squares(weight, out, in, fanInFanOut);
        for (int o = 0; o < out; o++) {
            norms[o] = Math.sqrt(norms[o]);
        }
        return norms;
    }

    private static double[] squares(float[] weight, int out, int in, boolean fanInFanOut) {
        double[] squares = new double[out];
        for (int k = 0; k < weight.length; k++) {
            double w = weight[k];
            squares[fanInFanOut ? k % out : k / in] += w * w;
        }
        return squares;
    }

    private Tensor f32(Tensor t) {
        return t.dtype() == DType.F32 ? t : ops.to(t, DType.F32);
    }
}
