package dev.kiln.hal.cpu.kernel;

import java.util.ArrayList;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sum of a vector's lanes in a fixed tree of lanewise adds. Not {@code reduceLanes(ADD)}: its
 * order differs between the JIT's intrinsic and the interpreted code, so a float sum would depend
 * on whether the thread that computed it had its code compiled yet, and a training run would not
 * repeat exactly (the gradient norm, and from it the clipped step, differed by the 20th step).
 */
final class Lanes {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    /** Halves folded onto each other, L/2 lanes apart down to 1. */
    private static final List<VectorShuffle<Float>> FOLDS = folds();

    private Lanes() {}

    /** The sum of v's lanes; v must be of {@link #SPECIES}. */
    static float sum(FloatVector v) {
        for (VectorShuffle<Float> fold : FOLDS) {
            v = v.add(v.rearrange(fold));
        }
        return v.lane(0);
    }

    private static List<VectorShuffle<Float>> folds() {
        List<VectorShuffle<Float>> folds = new ArrayList<>();
        for (int half = SPECIES.length() / 2; half >= 1; half /= 2) {
            folds.add(VectorShuffle.iota(SPECIES, half, 1, true));
        }
        return List.copyOf(folds);
    }
}
