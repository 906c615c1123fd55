package dev.kiln.models.gpt2;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.KvCache;
import dev.kiln.api.model.KvCachePool;
import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.model.ModelConfig;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * GPT2LMHeadModel, after transformers' modeling_gpt2.py:
 *
 * <pre>
 * transformer.wte(ids) + transformer.wpe(positions) → dropout(embd_pdrop)
 * → transformer.h.0 .. h.(n_layer-1)      see {@link Gpt2Block}
 * → transformer.ln_f → lm_head            wte's weight (tied) unless tie_word_embeddings is false
 * </pre>
 *
 * <p>Parameters keep Hugging Face's names and layouts (Conv1D weights {@code [in, out]}); a
 * tied lm_head is not a parameter of its own (as in {@code named_parameters()} and in the
 * checkpoints save_pretrained writes), but {@code lm_head} is a linear layer over wte's weight.
 * A forward with a cache is inference and runs without recording a graph; a forward without one
 * records it when gradients are on, for training, and then applies the dropouts.
 */
final class Gpt2Model implements CausalLM {

    private static final String LM_HEAD = "lm_head";

    private final ModelConfig modelConfig;
    private final Gpt2Config config;
    private final TensorOps ops;
    private final Map<String, Tensor> parameters;
    private final Map<String, LinearLayer> linears = new LinkedHashMap<>();
    private final List<Gpt2Block> blocks = new ArrayList<>();
    private final CacheSpec cacheSpec;
    private volatile long dropoutSeed;
    private final AtomicLong forwards = new AtomicLong();
    private boolean gradientCheckpointing;

    /**
     * @param parameters every parameter by its Hugging Face name, in state_dict order, as
     *     {@link Gpt2Parameters#make} makes them
     * @param seed the first dropout seed
     */
    Gpt2Model(ModelConfig modelConfig, Gpt2Config config, TensorOps ops,
            Map<String, Tensor> parameters, long seed) {
        this.modelConfig = modelConfig;
        this.config = config;
        this.ops = ops;
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        this.dropoutSeed = seed;
        this.cacheSpec = new CacheSpec("gpt2", this, config.layers(), config.heads(),
                config.headDim(), MaskStrategy.segments("gpt2", 0));
        for (int layer = 0; layer < config.layers(); layer++) {
            String prefix = "transformer.h." + layer + ".";
            for (String module : Gpt2Parameters.CONV1D_MODULES) {
                linears.put(prefix + module, new Conv1DLinear(ops,
                        parameters.get(prefix + module + ".weight"),
                        parameters.get(prefix + module + ".bias")));
            }
            blocks.add(new Gpt2Block(ops, config, layer, this.parameters, linears));
        }
        linears.put(LM_HEAD, new Linear(ops, parameters.get(config.tiedLmHead()
                ? "transformer.wte.weight" : "lm_head.weight")));
    }

    @Override
    public ModelConfig config() {
        return modelConfig;
    }

    @Override
    public Map<String, Tensor> parameters() {
        return parameters;
    }

    /** The Conv1D layers of every block ({@code transformer.h.<i>.attn.c_attn}, ...) and lm_head. */
    @Override
    public Map<String, LinearLayer> linearLayers() {
        return Collections.unmodifiableMap(linears);
    }

    @Override
    public void wrapLinear(String name, UnaryOperator<LinearLayer> wrapper) {
        LinearLayer base = linears.get(name);
        if (base == null) {
            throw new IllegalArgumentException("gpt2: no linear layer '" + name + "'; the layers are "
                    + "transformer.h.N.{" + String.join(", ", Gpt2Parameters.CONV1D_MODULES)
                    + "} (N < " + config.layers() + ") and lm_head");
        }
        LinearLayer replacement = Objects.requireNonNull(wrapper.apply(base),
                () -> "gpt2: the wrapper of '" + name + "' returned null");
        if (replacement.inFeatures() != base.inFeatures()
                || replacement.outFeatures() != base.outFeatures()) {
            throw new IllegalArgumentException("gpt2: the wrapper of '" + name + "' maps "
                    + replacement.inFeatures() + " to " + replacement.outFeatures()
                    + " features; the layer maps " + base.inFeatures() + " to "
                    + base.outFeatures());
        }
        linears.put(name, replacement);
    }

    /** Recomputes each block in backward instead of keeping its activations. */
    @Override
    public void setGradientCheckpointing(boolean enabled) {
        gradientCheckpointing = enabled;
    }

    /** The dropout masks of the next forwards are drawn from {@code seed} on. */
    @Override
    public void reseed(long seed) {
        dropoutSeed = seed;
        forwards.set(0);
    }

    @Override
    public KvCache newCache(int batch, int capacity) {
        if (capacity > config.positions()) {
            throw new IllegalArgumentException("gpt2: a KV cache of " + capacity + " tokens is longer"
                    + " than the " + config.positions() + " positions of wpe (n_positions)");
        }
        return new UniformKvCache(kvCacheSpec(), ops, batch, capacity);
    }

    @Override
    public KvCachePool newCachePool(int slots, int capacity) {
        if (capacity > config.positions()) {
            throw new IllegalArgumentException("gpt2: a KV cache pool of " + capacity + " tokens"
                    + " per slot is longer than the " + config.positions()
                    + " positions of wpe (n_positions)");
        }
        return new SlotKvCachePool(kvCacheSpec(), ops, slots, capacity);
    }

    /** Keys and values stored as transformers stores them: BF16 when the weights are. */
    private CacheSpec kvCacheSpec() {
        return cacheSpec.forWeights(parameters.get("transformer.wte.weight").dtype());
    }

    @Override
    public Tensor forward(Tensor inputIds, Tensor positions, KvCache cache) {
        return forward(inputIds, positions, null, cache);
    }

    @Override
    public Tensor forward(Tensor inputIds, Tensor positions, Tensor attentionMask, KvCache cache) {
        return run(inputIds, positions, attentionMask, cache, Output.LOGITS);
    }

    /** Runs ln_f and the LM head on each row's last position only: {@code [batch, vocab]}. */
    @Override
    public Tensor forwardLast(Tensor inputIds, Tensor positions, Tensor attentionMask,
            KvCache cache) {
        return run(inputIds, positions, attentionMask, cache, Output.LAST_LOGITS);
    }

    /** ln_f's output {@code [batch, seq, n_embd]}, without the LM head. */
    @Override
    public Tensor hiddenStates(Tensor inputIds, Tensor positions, Tensor attentionMask) {
        return run(inputIds, positions, attentionMask, null, Output.HIDDEN);
    }

    /** What a forward returns: every position's logits, each row's last, or the hidden states. */
    private enum Output { LOGITS, LAST_LOGITS, HIDDEN }

    @SuppressWarnings("try") // the no-grad mode is opened for its effect on the body
    private Tensor run(Tensor inputIds, Tensor positions, Tensor attentionMask, KvCache kvCache,
            Output output) {
        Objects.requireNonNull(inputIds, "inputIds");
        Objects.requireNonNull(positions, "positions");
        ForwardCache cache = own(kvCache);
        ForwardInputs.check(config, inputIds, positions, cache);
        if (cache == null) {
            return compute(inputIds, positions, attentionMask, null, output);
        }
        try (GradMode inference = ops.noGrad()) { // decoding is inference: no graph
            return compute(inputIds, positions, attentionMask, cache, output);
        }
    }

    /** Intermediate tensors are freed block by block; a graph keeps what its backward needs. */
    private Tensor compute(Tensor inputIds, Tensor positions, Tensor attentionMask,
            ForwardCache cache, Output output) {
        int batch = inputIds.shape().dim(0);
        int seq = inputIds.shape().dim(1);
        // each forward draws new dropout masks: site 0 the embeddings, 1 + 2i and 2 + 2i block i
        long seed = dropoutSeed + forwards.getAndIncrement() * (2L * config.layers() + 1);
        try (TensorScope forward = ops.scope()) {
            Tensor mask = cache != null ? cache.mask(attentionMask, seq)
                    : MaskStrategy.segmentMask("gpt2", ops, attentionMask, batch, seq, 0, 0);
            Tensor x = ops.add(ops.embedding(parameters.get("transformer.wte.weight"), inputIds),
                    ops.embedding(parameters.get("transformer.wpe.weight"), positions));
            x = ops.dropout(x, config.embeddingDropout(), seed);
            Gpt2Block.Context context = new Gpt2Block.Context(mask, cache, seed + 1);
            for (Gpt2Block block : blocks) {
                try (TensorScope layer = ops.scope()) {
                    x = layer.keep(gradientCheckpointing && cache == null
                            ? checkpointed(block, x, context) : block.forward(x, context));
                }
            }
            if (cache != null) {
                cache.advance(seq);
            }
            if (output == Output.LAST_LOGITS) {
                x = ops.reshape(ops.narrow(x, 1, seq - 1, 1), Shape.of(batch, config.embedSize()));
            }
            Tensor h = ops.layerNorm(x, parameters.get("transformer.ln_f.weight"),
                    parameters.get("transformer.ln_f.bias"), config.layerNormEps());
            return forward.keep(output == Output.HIDDEN ? h : linears.get(LM_HEAD).forward(h));
        }
    }

    /**
     * A block under activation checkpointing. The mask is an input of the checkpoint, not
     * captured, so the graph keeps it alive until the recomputation; the dropout seeds are the
     * same in both runs, so the recomputation drops what the forward dropped.
     */
    private Tensor checkpointed(Gpt2Block block, Tensor x, Gpt2Block.Context context) {
        Tensor mask = context.mask();
        long seed = context.dropoutSeed();
        return ops.checkpoint(in -> block.forward(in.get(0),
                new Gpt2Block.Context(in.size() > 1 ? in.get(1) : null, null, seed)),
                mask == null ? List.of(x) : List.of(x, mask));
    }

    private ForwardCache own(KvCache cache) {
        return cache == null ? null : ForwardCache.ownedBy(cache, this, "gpt2");
    }

    @Override
    public String toString() {
        return "gpt2 model: " + config.layers() + " layers, n_embd " + config.embedSize() + ", "
                + config.heads() + " heads, vocab " + config.vocabSize() + ", "
                + config.positions() + " positions, weights " + config.weightDtype().label();
    }
}
