package dev.kiln.core.tensor;

/** The backward of one recorded op. */
@FunctionalInterface
interface BackwardFunction {

    /**
     * The gradient of each input, in input order, from the gradient of the output: new F32
     * handles of the inputs' shapes that the caller closes, or null for an input whose
     * {@link Node#needsGrad} is false. Must not close {@code gradOutput}.
     */
    DeviceTensor[] apply(DeviceTensor gradOutput);
}
