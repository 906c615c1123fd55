/**
 * The checks of the conformance kit, one class per kernel family, and the machinery they share:
 * {@link dev.kiln.hal.tck.checks.Trial} runs one kernel call on the device under test and on a
 * reference device and compares the results within a {@link dev.kiln.hal.tck.checks.Tolerance}.
 * Private to the bundle; {@link dev.kiln.hal.tck.HalConformanceKit} is the entry point.
 */
package dev.kiln.hal.tck.checks;
