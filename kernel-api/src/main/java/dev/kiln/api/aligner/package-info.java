/** Aligners ({@code --rlhf_type}): preference and reinforcement objectives, one bundle each. */
@Export
@Version("1.0.0")
package dev.kiln.api.aligner;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
