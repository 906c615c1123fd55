/** Evaluators ({@code kiln eval}): kinds of evaluation task, one bundle each. */
@Export
@Version("1.0.0")
package dev.kiln.api.eval;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
