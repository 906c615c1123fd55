/**
 * Value types of the tensor API: element types now, shapes and tensor handles as the engine
 * grows.
 */
@Export
@Version("1.0.0")
package dev.kiln.api.tensor;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
