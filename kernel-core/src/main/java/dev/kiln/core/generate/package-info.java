/**
 * Generation: sampling parameters, logits processors, batched generation with a KV cache, and the
 * per-sequence state a serving scheduler steps.
 *
 * <p>Exported for the bundles built on the kernel (serving); not part of the plugin API
 * (kernel-api), so its version starts below 1.
 */
@Export
@Version("0.1.0")
package dev.kiln.core.generate;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
