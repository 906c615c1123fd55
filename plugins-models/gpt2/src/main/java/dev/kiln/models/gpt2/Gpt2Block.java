package dev.kiln.models.gpt2;

import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.tensor.AttentionOptions;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.model.cache.ForwardCache;
import java.util.Map;

/**
 * One GPT-2 block, {@code transformer.h.<i>}, pre-LayerNorm as modeling_gpt2's GPT2Block:
 *
 * <pre>
 * h   = x + dropout(attn.c_proj(attention(attn.c_attn(ln_1(x)) split into q, k, v)))
 * out = h + dropout(mlp.c_proj(activation(mlp.c_fc(ln_2(h)))))
 * </pre>
 *
 * The linear layers are looked up in the model's map at every forward, so a layer that
 * {@link dev.kiln.api.model.CausalLM#wrapLinear} replaced is the one used.
 */
final class Gpt2Block {

    /**
     * What a forward hands every block besides its input.
     *
     * @param mask the additive padding mask, or null
     * @param cache the KV cache, or null for a forward over whole sequences
     * @param dropoutSeed block i's two dropouts use this plus 2i and 2i + 1
     */
    record Context(Tensor mask, ForwardCache cache, long dropoutSeed) {}

    private final TensorOps ops;
    private final Gpt2Config config;
    private final int index;
    private final String prefix;
    private final Map<String, Tensor> parameters;
    private final Map<String, LinearLayer> linears;

    Gpt2Block(TensorOps ops, Gpt2Config config, int index, Map<String, Tensor> parameters,
            Map<String, LinearLayer> linears) {
        this.ops = ops;
        this.config = config;
        this.index = index;
        this.prefix = "transformer.h." + index + ".";
        this.parameters = parameters;
        this.linears = linears;
    }

    /** {@code x [batch, seq, n_embd]} to the same shape. */
    Tensor forward(Tensor x, Context context) {
        long seed = context.dropoutSeed() + 2L * index;
        Tensor attended = attention(layerNorm("ln_1", x), context);
        Tensor h = ops.add(x, ops.dropout(attended, config.residualDropout(), seed));
        Tensor mlp = mlp(layerNorm("ln_2", h));
        return ops.add(h, ops.dropout(mlp, config.residualDropout(), seed + 1));
    }

    private Tensor attention(Tensor x, Context context) {
        int batch = x.shape().dim(0);
        int seq = x.shape().dim(1);
        int embed = config.embedSize();
        // c_attn's output is q | k | v along the last dim (modeling_gpt2's split(n_embd, dim=2))
        Tensor qkv = linear("attn.c_attn").forward(x);
        Tensor q = heads(ops.narrow(qkv, 2, 0, embed));
        Tensor k = heads(ops.narrow(qkv, 2, embed, embed));
        Tensor v = heads(ops.narrow(qkv, 2, 2 * embed, embed));
        float scale = config.attentionScale(index);
        Tensor attended;
        ForwardCache cache = context.cache();
        if (cache == null) {
            attended = ops.attention(q, k, v, context.mask(), new AttentionOptions(true, scale, 0));
        } else {
            attended = cache.attend(index, q, k, v, context.mask(), scale);
        }
        return linear("attn.c_proj").forward(ops.reshape(attended, Shape.of(batch, seq, embed)));
    }

    private Tensor mlp(Tensor x) {
        Tensor inner = config.activation().apply(ops, linear("mlp.c_fc").forward(x));
        return linear("mlp.c_proj").forward(inner);
    }

    /** {@code [batch, seq, n_embd]} as {@code [batch, seq, n_head, head_dim]}. */
    private Tensor heads(Tensor x) {
        return ops.reshape(x, Shape.of(x.shape().dim(0), x.shape().dim(1), config.heads(),
                config.headDim()));
    }

    private Tensor layerNorm(String name, Tensor x) {
        return ops.layerNorm(x, parameters.get(prefix + name + ".weight"),
                parameters.get(prefix + name + ".bias"), config.layerNormEps());
    }

    private LinearLayer linear(String name) {
        return linears.get(prefix + name);
    }
}
