/**
 * The model hub: hub ids resolved from the local caches, else downloaded from Hugging Face or
 * ModelScope.
 *
 * <p>Exported for the bundles built on the kernel (serving); not part of the plugin API
 * (kernel-api), so its version starts below 1.
 */
@Export
@Version("0.1.0")
package dev.kiln.core.hub;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
