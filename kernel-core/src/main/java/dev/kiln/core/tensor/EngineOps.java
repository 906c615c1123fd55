package dev.kiln.core.tensor;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.Kernels.Activation;
import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.tensor.AttentionOptions;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.Function;

/**
 * {@link TensorOps} on one device: hands each call to its op family and registers the result
 * with the innermost {@link TensorScope}.
 */
final class EngineOps implements TensorOps {

    private final DeviceContext ctx;
    private final CreationOps creation;
    private final ShapeOps shapes;
    private final ArithmeticOps arithmetic;
    private final MatrixOps matrices;
    private final ActivationOps activations;
    private final NormalizationOps normalization;
    private final SoftmaxOp softmax;
    private final DropoutOp dropout;
    private final RopeOp rope;
    private final AttentionOp attention;
    private final EmbeddingOp embedding;
    private final CrossEntropyOp crossEntropy;
    private final ReductionOps reductions;
    private final Checkpointing checkpointing;
    private final HostLoads hostLoads;
    private final KvCacheOps kvCache;

    EngineOps(Device device) {
        ctx = DeviceContext.of(device);
        creation = new CreationOps(ctx);
        shapes = new ShapeOps(ctx);
        arithmetic = new ArithmeticOps(ctx);
        matrices = new MatrixOps(ctx);
        activations = new ActivationOps(ctx);
        normalization = new NormalizationOps(ctx);
        softmax = new SoftmaxOp(ctx);
        dropout = new DropoutOp(ctx);
        rope = new RopeOp(ctx);
        attention = new AttentionOp(ctx);
        embedding = new EmbeddingOp(ctx);
        crossEntropy = new CrossEntropyOp(ctx);
        reductions = new ReductionOps(ctx);
        checkpointing = new Checkpointing(ctx);
        hostLoads = new HostLoads(ctx);
        kvCache = new KvCacheOps(ctx);
    }

    private static Tensor publish(DeviceTensor tensor) {
        return Scopes.register(tensor);
    }

    @Override
    public Device device() {
        return ctx.device;
    }

    @Override
    public Tensor tensor(float[] data, Shape shape) {
        return publish(creation.tensor(data, shape));
    }

    @Override
    public Tensor tensor(int[] data, Shape shape) {
        return publish(creation.tensor(data, shape));
    }

    @Override
    public Tensor zeros(Shape shape, DType dtype) {
        return publish(creation.zeros(shape, dtype));
    }

    @Override
    public Tensor parameter(float[] data, Shape shape) {
        return publish(creation.parameter(data, shape));
    }

    @Override
    public Tensor parameter(Shape shape, DType dtype) {
        return publish(creation.parameter(shape, dtype, hostLoads));
    }

    @Override
    public void copyFrom(Tensor dst, MemorySegment values, DType valuesType) {
        hostLoads.copyFrom(dst, values, valuesType);
    }

    @Override
    public Tensor to(Tensor x, DType dtype) {
        return publish(creation.to(x, dtype));
    }

    @Override
    public Tensor reshape(Tensor x, Shape shape) {
        return publish(shapes.reshape(x, shape));
    }

    @Override
    public Tensor narrow(Tensor x, int dim, int start, int length) {
        return publish(shapes.narrow(x, dim, start, length));
    }

    @Override
    public Tensor concat(List<Tensor> parts, int dim) {
        return publish(shapes.concat(parts, dim));
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        return publish(arithmetic.add(a, b));
    }

    @Override
    public Tensor sub(Tensor a, Tensor b) {
        return publish(arithmetic.sub(a, b));
    }

    @Override
    public Tensor mul(Tensor a, Tensor b) {
        return publish(arithmetic.mul(a, b));
    }

    @Override
    public Tensor scale(Tensor x, float alpha) {
        return publish(arithmetic.scale(x, alpha));
    }

    @Override
    public Tensor matmul(Tensor a, Tensor b, boolean transposeB) {
        return publish(matrices.matmul(a, b, transposeB));
    }

    @Override
    public Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return publish(matrices.linear(x, weight, bias));
    }

    @Override
    public Tensor silu(Tensor x) {
        return publish(activations.activation("silu", Activation.SILU, x));
    }

    @Override
    public Tensor gelu(Tensor x, boolean tanhApproximation) {
        return publish(tanhApproximation
                ? activations.activation("gelu", Activation.GELU_TANH, x)
                : activations.activation("gelu", Activation.GELU_ERF, x));
    }

    @Override
    public Tensor relu(Tensor x) {
        return publish(activations.activation("relu", Activation.RELU, x));
    }

    @Override
    public Tensor swiglu(Tensor gate, Tensor up) {
        return publish(activations.swiglu(gate, up));
    }

    @Override
    public Tensor rmsNorm(Tensor x, Tensor weight, float eps) {
        return publish(normalization.rmsNorm(x, weight, eps));
    }

    @Override
    public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        return publish(normalization.layerNorm(x, weight, bias, eps));
    }

    @Override
    public Tensor softmax(Tensor x) {
        return publish(softmax.softmax(x));
    }

    @Override
    public Tensor dropout(Tensor x, float p, long seed) {
        return publish(dropout.dropout(x, p, seed));
    }

    @Override
    public Tensor rope(Tensor x, Tensor positions, RopeSpec spec) {
        return publish(rope.rope(x, positions, spec));
    }

    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask, AttentionOptions options) {
        return publish(attention.attention(q, k, v, mask, options));
    }

    @Override
    public Tensor embedding(Tensor table, Tensor ids) {
        return publish(embedding.embedding(table, ids));
    }

    @Override
    public void writeCache(Tensor cache, Tensor values, int start) {
        kvCache.writeCache(cache, values, start);
    }

    @Override
    public Tensor cachedAttention(Tensor q, Tensor kCache, Tensor vCache, int length, Tensor mask,
            AttentionOptions options) {
        return publish(kvCache.cachedAttention(q, kCache, vCache, length, mask, options));
    }

    @Override
    public Tensor crossEntropy(Tensor logits, Tensor targets, int ignoreIndex) {
        return publish(crossEntropy.crossEntropy(logits, targets, ignoreIndex));
    }

    @Override
    public Tensor sum(Tensor x) {
        return publish(reductions.sum(x));
    }

    @Override
    public Tensor mean(Tensor x) {
        return publish(reductions.mean(x));
    }

    @Override
    public GradMode noGrad() {
        return GradState.noGrad();
    }

    @Override
    public TensorScope scope() {
        return Scopes.open();
    }

    @Override
    public Tensor checkpoint(Function<List<Tensor>, Tensor> block, List<Tensor> inputs) {
        return publish(checkpointing.checkpoint(block, inputs));
    }

    @Override
    public String toString() {
        return "TensorOps on " + ctx.device.name();
    }
}
