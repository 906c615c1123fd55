package dev.kiln.hal.tck.checks;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.DeviceMemoryException;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * The device itself: upload and download round trips in every checked dtype (bytes
 * little-endian), transfers at an offset into a buffer, copies between and within buffers, and
 * a DeviceMemoryException for an allocation beyond any memory.
 */
public final class DeviceChecks implements CheckFamily {

    @Override
    public Stream<DynamicTest> tests(CheckContext context) {
        List<DynamicTest> tests = new ArrayList<>();
        List<DType> types = new ArrayList<>(context.options().floatTypes());
        types.add(DType.I32);
        for (DType type : types) {
            tests.add(roundTrip(context, type));
        }
        tests.add(copy(context, 1));
        tests.add(copy(context, 1031));
        tests.add(copyWithinBuffer(context));
        tests.add(outOfMemory(context));
        return tests.stream();
    }

    private static DynamicTest roundTrip(CheckContext context, DType type) {
        return context.test("device upload then download " + type + " at an offset gives the bytes back", trial -> {
            float[] values = type.isFloatingPoint() ? ConvertChecks.interestingValues(trial.random())
                    : intsAsFloats(trial);
            Device device = context.device();
            DeviceBuffer buffer = device.allocate(type, values.length + 7);
            try (Arena arena = Arena.ofShared()) {
                MemorySegment sent = HostArrays.encode(arena, type, values);
                device.upload(sent, new Slice(buffer, 3));
                MemorySegment received = arena.allocate(sent.byteSize());
                device.download(new Slice(buffer, 3), received);
                device.synchronize();
                long mismatch = sent.mismatch(received);
                if (mismatch >= 0) {
                    int element = (int) (mismatch / type.byteSize());
                    throw new AssertionError("element " + element + " of " + values.length + " came back as "
                            + HostArrays.decode(type, received)[element] + ", was "
                            + HostArrays.decode(type, sent)[element]);
                }
            } finally {
                buffer.release();
            }
        });
    }

    private static DynamicTest copy(CheckContext context, int n) {
        return context.test("device copy n=" + n + " between buffers", trial -> {
            Twin src = trial.input(RandomData.uniform(trial.random(), n, -1, 1));
            Twin dst = trial.output(n);
            trial.run((kernels, on) -> on.device().copy(on.at(src), on.at(dst), n));
            trial.check("dst", dst, Tolerance.exact());
        });
    }

    private static DynamicTest copyWithinBuffer(CheckContext context) {
        return context.test("device copy within one buffer, to a range that does not overlap", trial -> {
            float[] values = RandomData.uniform(trial.random(), 100, -1, 1);
            Twin buffer = trial.input(values);
            trial.run((kernels, on) -> on.device().copy(on.at(buffer, 5), on.at(buffer, 60), 33));
            trial.check("buffer", buffer, Tolerance.exact());
        });
    }

    private static DynamicTest outOfMemory(CheckContext context) {
        return context.test("device allocate beyond its memory throws DeviceMemoryException", trial -> {
            Device device = context.device();
            long elements = Long.MAX_VALUE / 8;
            DeviceBuffer buffer = null;
            try {
                buffer = device.allocate(DType.F32, elements);
                throw new AssertionError("allocating " + elements + " F32 elements succeeded");
            } catch (DeviceMemoryException expected) {
                if (expected.requestedBytes() <= 0) {
                    throw new AssertionError("DeviceMemoryException says " + expected.requestedBytes()
                            + " bytes were asked for", expected);
                }
            } finally {
                if (buffer != null) {
                    buffer.release();
                }
            }
        });
    }

    private static float[] intsAsFloats(Trial trial) {
        int[] ints = RandomData.ints(trial.random(), 97, 1 << 24);
        float[] values = new float[ints.length + 2];
        for (int i = 0; i < ints.length; i++) {
            values[i] = ints[i] - (1 << 23);
        }
        values[ints.length] = -(1 << 24);
        values[ints.length + 1] = 1 << 24;
        return values;
    }
}
