/**
 * Checkpoint files: a {@link dev.kiln.api.weights.WeightFormat} service recognises a format
 * (safetensors, GGUF, ...) and opens it as a {@link dev.kiln.api.weights.WeightSource}: tensor
 * names, types and shapes, and their bytes, memory-mapped where the format allows.
 */
@Export
@Version("1.0.0")
package dev.kiln.api.weights;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
