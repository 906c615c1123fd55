package dev.kiln.hal.tck.checks;

import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/** The tests of one group of kernels. Each test's name starts with the kernel's name. */
@FunctionalInterface
public interface CheckFamily {

    Stream<DynamicTest> tests(CheckContext context);
}
