/**
 * A model ready to chat: model, tokenizer and chat template put together ({@link
 * dev.kiln.core.infer.ChatModelFactory}).
 *
 * <p>Exported for the bundles built on the kernel (serving); not part of the plugin API
 * (kernel-api), so its version starts below 1.
 */
@Export
@Version("0.1.0")
package dev.kiln.core.infer;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
