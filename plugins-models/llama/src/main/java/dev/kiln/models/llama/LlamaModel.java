package dev.kiln.models.llama;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.KvCache;
import dev.kiln.api.model.KvCachePool;
import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.model.ModelConfig;
import dev.kiln.api.tensor.AttentionOptions;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.core.model.cache.CacheSpec;
import dev.kiln.core.model.cache.ForwardCache;
import dev.kiln.core.model.cache.MaskStrategy;
import dev.kiln.core.model.cache.SlotKvCachePool;
import dev.kiln.core.model.cache.UniformKvCache;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A Llama-family decoder, after transformers' modeling_llama.py (Mistral, Qwen2 and Qwen3 differ
 * only in what {@link LlamaConfig} reads):
 *
 * <pre>
 * model.embed_tokens
 * → per layer i, "model.layers.i.":
 *     h = x + o_proj(attention(rope(q_norm?(q_proj(n))), rope(k_norm?(k_proj(n))), v_proj(n)))
 *         with n = input_layernorm(x)
 *     out = h + down_proj(silu(gate_proj(m)) · up_proj(m)) with m = post_attention_layernorm(h)
 * → model.norm → lm_head (the embedding's weight when tied)
 * </pre>
 *
 * <p>Parameters carry Hugging Face's names; a tied lm_head is not a parameter of its own (as in
 * {@code named_parameters()}), but {@code lm_head} is a linear layer over the embedding's weight.
 * A forward with a cache is inference and runs without recording a graph; a forward without one
 * records it when gradients are on, for training.
 */
final class LlamaModel implements CausalLM {

    private static final String LM_HEAD = "lm_head";

    private final TensorOps ops;
    private final ModelConfig modelConfig;
    private final LlamaConfig config;
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, LinearLayer> linears = new LinkedHashMap<>();
    private final List<Layer> layers = new ArrayList<>();
    private final Tensor embedTokens;
    private final Tensor finalNorm;
    private final CacheSpec cacheSpec;
    private boolean gradientCheckpointing;

    /** The module names and norms of one decoder layer; its linear layers are in {@link #linears}. */
    private record Layer(String q, String k, String v, String o, String gate, String up,
            String down, Tensor inputNorm, Tensor postNorm, Tensor qNorm, Tensor kNorm) {
    }

    LlamaModel(ModelConfig modelConfig, LlamaConfig config, TensorOps ops, Initializer init) {
        this.ops = ops;
        this.modelConfig = modelConfig;
        this.config = config;
        this.cacheSpec = new CacheSpec(config.modelType(), this, config.layers(), config.kvHeads(),
                config.headDim(), MaskStrategy.segments(config.modelType(),
                        config.slidingWindow()));
        ParameterFactory make = new ParameterFactory(init);
        int hidden = config.hiddenSize();
        embedTokens = make.weight("model.embed_tokens.weight", config.vocabSize(), hidden);
        for (int i = 0; i < config.layers(); i++) {
            String p = "model.layers." + i + ".";
            String attn = p + "self_attn.";
            String mlp = p + "mlp.";
            make.linear(attn + "q_proj", config.qOut(), hidden, config.qkvBias());
            make.linear(attn + "k_proj", config.kvOut(), hidden, config.qkvBias());
            make.linear(attn + "v_proj", config.kvOut(), hidden, config.qkvBias());
            make.linear(attn + "o_proj", hidden, config.qOut(), config.oProjBias());
            Tensor qNorm = config.qkNorm() ? make.norm(attn + "q_norm.weight", config.headDim()) : null;
            Tensor kNorm = config.qkNorm() ? make.norm(attn + "k_norm.weight", config.headDim()) : null;
            make.linear(mlp + "gate_proj", config.intermediateSize(), hidden, config.mlpBias());
            make.linear(mlp + "up_proj", config.intermediateSize(), hidden, config.mlpBias());
            make.linear(mlp + "down_proj", hidden, config.intermediateSize(), config.mlpBias());
            Tensor inputNorm = make.norm(p + "input_layernorm.weight", hidden);
            Tensor postNorm = make.norm(p + "post_attention_layernorm.weight", hidden);
            layers.add(new Layer(attn + "q_proj", attn + "k_proj", attn + "v_proj",
                    attn + "o_proj", mlp + "gate_proj", mlp + "up_proj", mlp + "down_proj",
                    inputNorm, postNorm, qNorm, kNorm));
        }
        finalNorm = make.norm("model.norm.weight", hidden);
        if (config.tieWordEmbeddings()) {
            linears.put(LM_HEAD, new Linear(ops, embedTokens, null));
        } else {
            make.linear(LM_HEAD, config.vocabSize(), hidden, false);
        }
    }

    /** Makes the parameters in state_dict order, registering each under its name. */
    private final class ParameterFactory {
        private final Initializer init;

        ParameterFactory(Initializer init) {
            this.init = init;
        }

        /** A weight matrix in the weights' dtype, drawn from N(0, initializer_range). */
        Tensor weight(String name, int rows, int cols) {
            Tensor weight = ops.parameter(Shape.of(rows, cols), config.weightDtype());
            init.normal(ops, weight, config.initializerRange());
            return register(name, weight);
        }

        /** An RMSNorm weight, F32, ones. */
        Tensor norm(String name, int size) {
            Tensor weight = ops.parameter(Shape.of(size), DType.F32);
            init.ones(ops, weight);
            return register(name, weight);
        }

        void linear(String module, int out, int in, boolean bias) {
            Tensor weight = weight(module + ".weight", out, in);
            // biases start at zero, as transformers initializes them
            Tensor b = bias ? register(module + ".bias", ops.parameter(Shape.of(out), DType.F32)) : null;
            linears.put(module, new Linear(ops, weight, b));
        }

        private Tensor register(String name, Tensor tensor) {
            parameters.put(name, tensor);
            return tensor;
        }
    }

    // ---- CausalLM -----------------------------------------------------------------------------

    @Override
    public ModelConfig config() {
        return modelConfig;
    }

    @Override
    public Map<String, Tensor> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    @Override
    public Map<String, LinearLayer> linearLayers() {
        return Collections.unmodifiableMap(linears);
    }

    @Override
    public void wrapLinear(String name, UnaryOperator<LinearLayer> wrapper) {
        LinearLayer base = linears.get(name);
        if (base == null) {
            throw new IllegalArgumentException("no linear layer '" + name + "'; the layers are "
                    + "model.layers.N.self_attn.{q,k,v,o}_proj, model.layers.N.mlp.{gate,up,down}_proj"
                    + " (N < " + config.layers() + ") and lm_head");
        }
        linears.put(name, Objects.requireNonNull(wrapper.apply(base),
                "the wrapper of " + name + " returned null"));
    }

    /** Recomputes each decoder layer in backward instead of keeping its activations. */
    @Override
    public void setGradientCheckpointing(boolean enabled) {
        gradientCheckpointing = enabled;
    }

    /** Keys and values stored as transformers stores them: BF16 when the weights are. */
    @Override
    public KvCache newCache(int batch, int capacity) {
        return new UniformKvCache(cacheSpec.forWeights(embedTokens.dtype()), ops, batch, capacity);
    }

    @Override
    public KvCachePool newCachePool(int slots, int capacity) {
        return new SlotKvCachePool(cacheSpec.forWeights(embedTokens.dtype()), ops, slots, capacity);
    }

    @Override
    public Tensor forward(Tensor inputIds, Tensor positions, KvCache cache) {
        return forward(inputIds, positions, null, cache);
    }

    @Override
    public Tensor forward(Tensor inputIds, Tensor positions, Tensor attentionMask, KvCache cache) {
        return run(inputIds, positions, attentionMask, cache, Output.LOGITS);
    }

    /** Runs the LM head on each row's last position only: {@code [batch, vocab]}. */
    @Override
    public Tensor forwardLast(Tensor inputIds, Tensor positions, Tensor attentionMask,
            KvCache cache) {
        return run(inputIds, positions, attentionMask, cache, Output.LAST_LOGITS);
    }

    /** model.norm's output {@code [batch, seq, hidden]}, without the LM head. */
    @Override
    public Tensor hiddenStates(Tensor inputIds, Tensor positions, Tensor attentionMask) {
        return run(inputIds, positions, attentionMask, null, Output.HIDDEN);
    }

    // ---- the forward ---------------------------------------------------------------------------

    /** What a forward returns: every position's logits, each row's last, or the hidden states. */
    private enum Output { LOGITS, LAST_LOGITS, HIDDEN }

    private Tensor run(Tensor inputIds, Tensor positions, Tensor attentionMask, KvCache cache,
            Output output) {
        Objects.requireNonNull(inputIds, "inputIds");
        Objects.requireNonNull(positions, "positions");
        if (inputIds.dtype() != DType.I32 || inputIds.shape().rank() != 2) {
            throw new IllegalArgumentException("forward: inputIds must be I32 [batch, seq], not "
                    + inputIds.shape() + " " + inputIds.dtype());
        }
        if (cache == null) {
            return compute(inputIds, positions, attentionMask, null, output);
        }
        ForwardCache kv = own(cache, inputIds.shape().dim(0));
        kv.requireRoom(inputIds.shape().dim(1));
        try (GradMode inference = ops.noGrad()) {
            return compute(inputIds, positions, attentionMask, kv, output);
        }
    }

    private ForwardCache own(KvCache cache, int batch) {
        ForwardCache kv = ForwardCache.ownedBy(cache, this, config.modelType());
        if (kv.batch() != batch) {
            throw new IllegalArgumentException("forward: the cache holds " + kv.batch()
                    + " sequences, the input " + batch);
        }
        return kv;
    }

    /** Intermediate tensors are freed layer by layer; a graph keeps what its backward needs. */
    private Tensor compute(Tensor inputIds, Tensor positions, Tensor attentionMask,
            ForwardCache kv, Output output) {
        int batch = inputIds.shape().dim(0);
        int seq = inputIds.shape().dim(1);
        try (TensorScope forward = ops.scope()) {
            Tensor mask = kv == null
                    ? MaskStrategy.segmentMask(config.modelType(), ops, attentionMask, batch,
                            seq, 0, config.slidingWindow())
                    : kv.mask(attentionMask, seq);
            Tensor x = ops.embedding(embedTokens, inputIds);
            for (int i = 0; i < layers.size(); i++) {
                try (TensorScope layer = ops.scope()) {
                    Tensor out;
                    if (gradientCheckpointing && kv == null) {
                        out = checkpointedLayer(i, x, positions, mask);
                    } else {
                        out = decoderLayer(i, x, positions, mask, kv);
                    }
                    x = layer.keep(out);
                }
            }
            if (kv != null) {
                kv.advance(seq);
            }
            Tensor h = ops.rmsNorm(x, finalNorm, config.rmsNormEps());
            if (output == Output.HIDDEN) {
                return forward.keep(h);
            }
            boolean lastOnly = output == Output.LAST_LOGITS;
            if (lastOnly) {
                h = ops.narrow(h, 1, seq - 1, 1);
            }
            Tensor logits = linears.get(LM_HEAD).forward(h);
            return forward.keep(lastOnly
                    ? ops.reshape(logits, Shape.of(batch, config.vocabSize())) : logits);
        }
    }

    /**
     * The decoder layer under activation checkpointing. Positions and mask are inputs of the
     * checkpoint, not captured, so the graph keeps them alive until the recomputation.
     */
    private Tensor checkpointedLayer(int index, Tensor x, Tensor positions, Tensor mask) {
        List<Tensor> inputs = mask == null ? List.of(x, positions) : List.of(x, positions, mask);
        return ops.checkpoint(in -> decoderLayer(index, in.get(0), in.get(1),
                in.size() > 2 ? in.get(2) : null, null), inputs);
    }

    private Tensor decoderLayer(int index, Tensor x, Tensor positions, Tensor mask,
            ForwardCache kv) {
        Layer layer = layers.get(index);
        float eps = config.rmsNormEps();
        int batch = x.shape().dim(0);
        int seq = x.shape().dim(1);
        Tensor n = ops.rmsNorm(x, layer.inputNorm(), eps);
        Tensor q = heads(linears.get(layer.q()).forward(n), config.heads());
        Tensor k = heads(linears.get(layer.k()).forward(n), config.kvHeads());
        Tensor v = heads(linears.get(layer.v()).forward(n), config.kvHeads());
        if (config.qkNorm()) {
            q = ops.rmsNorm(q, layer.qNorm(), eps);
            k = ops.rmsNorm(k, layer.kNorm(), eps);
        }
        q = ops.rope(q, positions, config.rope());
        k = ops.rope(k, positions, config.rope());
        Tensor attended;
        if (kv == null) {
            attended = ops.attention(q, k, v, mask, AttentionOptions.causalSelf());
        } else {
            attended = kv.attend(index, q, k, v, mask, Float.NaN);
        }
        Tensor merged = ops.reshape(attended, Shape.of(batch, seq, config.qOut()));
        Tensor h = ops.add(x, linears.get(layer.o()).forward(merged));
        Tensor m = ops.rmsNorm(h, layer.postNorm(), eps);
        Tensor gate = linears.get(layer.gate()).forward(m);
        Tensor up = linears.get(layer.up()).forward(m);
        return ops.add(h, linears.get(layer.down()).forward(ops.swiglu(gate, up)));
    }

    /** {@code [batch, seq, heads · headDim]} as {@code [batch, seq, heads, headDim]}. */
    private Tensor heads(Tensor x, int count) {
        return ops.reshape(x, Shape.of(x.shape().dim(0), x.shape().dim(1), count, config.headDim()));
    }

    LlamaConfig llamaConfig() {
        return config;
    }

    @Override
    public String toString() {
        return config.modelType() + " model: " + config.layers() + " layers, hidden "
                + config.hiddenSize() + ", " + config.heads() + "/" + config.kvHeads() + " heads of "
                + config.headDim() + ", vocab " + config.vocabSize() + ", weights "
                + config.weightDtype().label();
    }
}
