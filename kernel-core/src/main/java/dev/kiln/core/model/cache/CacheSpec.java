package dev.kiln.core.model.cache;

import dev.kiln.api.tensor.DType;
import java.util.Objects;

/**
 * What the caches need to know of a model: per layer, keys and values of {@code kvHeads} heads of
 * {@code headDim} each.
 *
 * @param family the family's name, which starts every error message (e.g. {@code llama})
 * @param owner the model whose newCache or newCachePool makes the caches; a forward of another
 *     model refuses them ({@link ForwardCache#ownedBy})
 * @param layers decoder layers, each with its own keys and values
 * @param kvHeads key/value heads (fewer than the query heads under grouped-query attention)
 * @param headDim the size of one head
 * @param masks the additive attention masks the family's attention needs
 * @param kvDType how keys and values are stored: F32, or BF16 (half the memory and the bytes
 *     decoding reads; each key and value rounded once as it is written)
 */
public record CacheSpec(String family, Object owner, int layers, int kvHeads, int headDim,
        MaskStrategy masks, DType kvDType) {

    public CacheSpec {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(masks, "masks");
        if (layers < 1 || kvHeads < 1 || headDim < 1) {
            throw new IllegalArgumentException(family + ": a KV cache needs positive layers, kv"
                    + " heads and head size, not " + layers + ", " + kvHeads + ", " + headDim);
        }
        if (kvDType != DType.F32 && kvDType != DType.BF16) {
            throw new IllegalArgumentException(family + ": a KV cache stores F32 or BF16, not " + kvDType);
        }
    }

    /** A cache of F32 keys and values. */
    public CacheSpec(String family, Object owner, int layers, int kvHeads, int headDim, MaskStrategy masks) {
        this(family, owner, layers, kvHeads, headDim, masks, DType.F32);
    }

    /**
     * This spec with keys and values stored as a model whose weights are {@code weights} stores
     * them in transformers: BF16 for BF16 weights, F32 otherwise (F16 too: the HAL's attention
     * reads F32 or BF16 caches).
     */
    public CacheSpec forWeights(DType weights) {
        return new CacheSpec(family, owner, layers, kvHeads, headDim, masks,
                weights == DType.BF16 ? DType.BF16 : DType.F32);
    }
}
