/**
 * The reference formulas in double precision on plain arrays, without devices or buffers: the
 * reference kernels run them and round the results to the output dtype, and the conformance
 * kit runs the forward ones for finite differences. Private to the bundle.
 */
package dev.kiln.hal.tck.reference.math;
