/** Tuners ({@code --train_type}): full fine-tuning and PEFT methods, one bundle each. */
@Export
@Version("1.1.0")
package dev.kiln.api.tuner;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
