/**
 * Loading models: a checkpoint read by a WeightFormat and built by a ModelFamily ({@link
 * dev.kiln.core.model.ModelLoader}).
 *
 * <p>Exported for the bundles built on the kernel (serving); not part of the plugin API
 * (kernel-api), so its version starts below 1.
 */
@Export
@Version("0.1.0")
package dev.kiln.core.model;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
