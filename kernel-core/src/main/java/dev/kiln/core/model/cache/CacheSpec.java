package dev.kiln.core.model.cache;

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
 */
public record CacheSpec(String family, Object owner, int layers, int kvHeads, int headDim,
        MaskStrategy masks) {

    public CacheSpec {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(masks, "masks");
        if (layers < 1 || kvHeads < 1 || headDim < 1) {
            throw new IllegalArgumentException(family + ": a KV cache needs positive layers, kv"
                    + " heads and head size, not " + layers + ", " + kvHeads + ", " + headDim);
        }
    }
}
