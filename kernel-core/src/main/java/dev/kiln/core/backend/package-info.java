/**
 * The backend registry: the installed Backend services by name, and the device a command runs on.
 *
 * <p>Exported for the bundles built on the kernel (serving); not part of the plugin API
 * (kernel-api), so its version starts below 1.
 */
@Export
@Version("0.1.0")
package dev.kiln.core.backend;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
