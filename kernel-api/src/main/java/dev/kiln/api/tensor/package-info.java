/**
 * The tensor API model code is written in: {@link dev.kiln.api.tensor.Tensor} handles on a
 * device, the differentiable {@link dev.kiln.api.tensor.TensorOps}, gradient modes and memory
 * scopes, and the value types {@link dev.kiln.api.tensor.DType} and
 * {@link dev.kiln.api.tensor.Shape}. The engine in kernel-core provides them; plugins only
 * program against them.
 */
@Export
@Version("1.0.0")
package dev.kiln.api.tensor;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
