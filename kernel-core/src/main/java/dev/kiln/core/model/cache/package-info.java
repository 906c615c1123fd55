/**
 * The KV cache every decoder-only family can use: a {@link dev.kiln.core.model.cache.UniformKvCache}
 * (every row at one length, for left-padded batches) and a {@link
 * dev.kiln.core.model.cache.SlotKvCachePool} (slots at their own lengths, for continuous
 * batching), both offering a forward the {@link dev.kiln.core.model.cache.ForwardCache} it needs.
 * A family describes itself in a {@link dev.kiln.core.model.cache.CacheSpec}: its layers, kv
 * heads, head size, and the {@link dev.kiln.core.model.cache.MaskStrategy} of its attention.
 *
 * <p>Exported for the model families and the bundles built on the kernel; not part of the plugin
 * API (kernel-api), so its version starts below 1.
 */
@Export
@Version("0.2.0")
package dev.kiln.core.model.cache;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
