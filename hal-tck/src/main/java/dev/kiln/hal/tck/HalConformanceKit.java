package dev.kiln.hal.tck;

import dev.kiln.api.backend.Device;
import dev.kiln.api.tensor.DType;
import dev.kiln.hal.tck.checks.ActivationChecks;
import dev.kiln.hal.tck.checks.AdamWChecks;
import dev.kiln.hal.tck.checks.AttentionChecks;
import dev.kiln.hal.tck.checks.CheckContext;
import dev.kiln.hal.tck.checks.CheckFamily;
import dev.kiln.hal.tck.checks.ConvertChecks;
import dev.kiln.hal.tck.checks.CrossEntropyChecks;
import dev.kiln.hal.tck.checks.DeviceChecks;
import dev.kiln.hal.tck.checks.DropoutChecks;
import dev.kiln.hal.tck.checks.ElementwiseChecks;
import dev.kiln.hal.tck.checks.EmbeddingChecks;
import dev.kiln.hal.tck.checks.GemmChecks;
import dev.kiln.hal.tck.checks.KitOptions;
import dev.kiln.hal.tck.checks.NormChecks;
import dev.kiln.hal.tck.checks.ReductionChecks;
import dev.kiln.hal.tck.checks.RopeChecks;
import dev.kiln.hal.tck.checks.SoftmaxChecks;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * The conformance kit of the HAL: every kernel of {@link dev.kiln.api.backend.Kernels} and the
 * transfers of {@link Device}, run on the device under test and on the
 * {@link dev.kiln.hal.tck.reference.ReferenceDevice reference device} with the same seeded
 * random inputs, compared within tolerances that suit each op. Backward kernels are also checked
 * against central finite differences of the reference forward in double. Each test's name
 * starts with the kernel it checks.
 *
 * <p>Along the way the kit checks what the {@code Kernels} javadoc promises: outputs that are
 * overwritten hold NaN beforehand, outputs that accumulate hold values; the aliasing it allows;
 * that no kernel writes outside its operands (guard elements surround every operand, and every
 * other operand starts at an offset into its buffer); that padding and spare KV cache capacity
 * are never read (they hold NaN); and that kernels that tend to use atomics are deterministic.
 *
 * <pre>{@code
 * @TestFactory
 * Stream<DynamicTest> conformance() {
 *     return HalConformanceKit.forDevice(myBackend.open(0)).tests();
 * }
 * }</pre>
 *
 * Instances are immutable; the options return new kits.
 */
public final class HalConformanceKit {

    private static final List<CheckFamily> FAMILIES = List.of(
            new DeviceChecks(), new GemmChecks(), new ElementwiseChecks(), new ActivationChecks(),
            new NormChecks(), new RopeChecks(), new SoftmaxChecks(), new AttentionChecks(),
            new EmbeddingChecks(), new CrossEntropyChecks(), new ReductionChecks(), new ConvertChecks(),
            new DropoutChecks(), new AdamWChecks());

    private final Device device;
    private final KitOptions options;

    private HalConformanceKit(Device device, KitOptions options) {
        this.device = device;
        this.options = options;
    }

    /** The kit for {@code device}: F32, BF16 and F16 checked, tolerances as documented, seed fixed. */
    public static HalConformanceKit forDevice(Device device) {
        return new HalConformanceKit(Objects.requireNonNull(device, "device"), KitOptions.defaults());
    }

    /**
     * The floating-point dtypes to check GEMM inputs and conversions in, for a device that does
     * not store all of F32, BF16 and F16. F32 is always checked.
     */
    public HalConformanceKit gemmInputTypes(DType... types) {
        Set<DType> checked = EnumSet.of(DType.F32);
        checked.addAll(List.of(types));
        return new HalConformanceKit(device, new KitOptions(checked, options.toleranceScale(), options.seed()));
    }

    /**
     * Multiplies every tolerance that is not exact: above 1 for a device that computes in lower
     * precision on purpose (TF32 matrix units, fast-math functions). Exact checks stay exact.
     */
    public HalConformanceKit toleranceScale(double scale) {
        return new HalConformanceKit(device, new KitOptions(options.floatTypes(), scale, options.seed()));
    }

    /** Another seed for the random inputs (the default one is fixed, so runs repeat). */
    public HalConformanceKit seed(long seed) {
        return new HalConformanceKit(device, new KitOptions(options.floatTypes(), options.toleranceScale(), seed));
    }

    /** The tests, for a JUnit 5 {@code @TestFactory}. */
    public Stream<DynamicTest> tests() {
        CheckContext context = new CheckContext(device, options);
        return FAMILIES.stream().flatMap(family -> family.tests(context));
    }
}
