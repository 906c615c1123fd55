package dev.kiln.hal.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.api.backend.Kernels;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The kit run against the reference itself: the self-check that kit and reference agree. */
class ReferenceConformanceTest {

    @TestFactory
    Stream<DynamicTest> referenceDevicePassesTheKit() {
        return HalConformanceKit.forDevice(new ReferenceDevice()).tests();
    }

    @TestFactory
    Stream<DynamicTest> referenceDevicePassesWithAnotherSeedAndOnlyF32() {
        return HalConformanceKit.forDevice(new ReferenceDevice()).seed(7).gemmInputTypes().tests()
                .filter(test -> test.getDisplayName().startsWith("gemm ") || test.getDisplayName().startsWith("convert "));
    }

    @Test
    void everyKernelHasTests() {
        Set<String> kernels = Arrays.stream(Kernels.class.getDeclaredMethods())
                .filter(m -> !m.isSynthetic() && !m.isDefault())
                .map(Method::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> tested = HalConformanceKit.forDevice(new ReferenceDevice()).tests()
                .map(test -> KitRuns.kernelOf(test.getDisplayName()))
                .collect(Collectors.toCollection(TreeSet::new));
        tested.retainAll(kernels);
        assertEquals(kernels, tested);
    }
}
