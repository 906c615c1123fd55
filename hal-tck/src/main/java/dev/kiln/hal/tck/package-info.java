/**
 * The HAL conformance kit: {@link dev.kiln.hal.tck.HalConformanceKit} checks any
 * {@link dev.kiln.api.backend.Device} kernel by kernel against the reference device of
 * {@link dev.kiln.hal.tck.reference}, as JUnit 5 dynamic tests.
 */
@Export
@Version("1.0.0")
package dev.kiln.hal.tck;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
