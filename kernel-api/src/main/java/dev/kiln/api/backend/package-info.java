/**
 * The hardware abstraction layer: one {@link dev.kiln.api.backend.Backend} service per kind of
 * device (CPU, CUDA, Ascend NPU, OpenCL), each registered by its own bundle with a {@link
 * dev.kiln.api.backend.BackendName} property.
 */
@Export
@Version("1.2.0")
package dev.kiln.api.backend;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
