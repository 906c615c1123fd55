/** Quantizers ({@code --quant_method}): weight quantization methods, one bundle each. */
@Export
@Version("1.0.0")
package dev.kiln.api.quant;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
