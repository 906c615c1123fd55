/**
 * The reference device of the HAL: every kernel of {@link dev.kiln.api.backend.Kernels} as plain
 * scalar loops in double precision on buffers in the Java heap, written to be read, not to be
 * fast. It defines what the kernels compute where the {@code Kernels} javadoc is silent (see
 * {@link dev.kiln.hal.tck.reference.ReferenceKernels}), and it is what the conformance kit
 * compares every backend with.
 */
@Export
@Version("1.0.0")
package dev.kiln.hal.tck.reference;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
