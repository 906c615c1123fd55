package dev.kiln.hal.opencl;

import dev.kiln.api.backend.Slice;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_mem;

/**
 * One kernel launch: its arguments in order, then the range it runs over. Arguments are
 * collected first and set together with the enqueue under the device's lock, since a kernel
 * object holds its arguments. A failure names the kernel call with its shapes.
 */
final class Launch {

    /** One argument: its size in bytes and where its value is. */
    record Argument(long size, Pointer value) {}

    private final OpenClDevice device;
    private final ClProgram program;
    private final String kernel;
    private final Supplier<String> call;
    private final List<Argument> arguments = new ArrayList<>(24);

    Launch(OpenClDevice device, ClProgram program, String kernel, Supplier<String> call) {
        this.device = device;
        this.program = program;
        this.kernel = kernel;
        this.call = call;
    }

    /** A buffer operand: its memory and its element offset (the kernels take both). */
    Launch slice(Slice slice) {
        OpenClBuffer buffer = (OpenClBuffer) slice.buffer();
        return memory(buffer.memory()).longValue(slice.offset());
    }

    /**
     * An optional operand: the slice, or when it is null a stand-in buffer the kernel does not read
     * (its flag argument says so) at offset 0.
     */
    Launch optional(Slice slice, Slice standIn) {
        return slice != null ? slice(slice) : memory(((OpenClBuffer) standIn.buffer()).memory()).longValue(0);
    }

    Launch memory(cl_mem memory) {
        arguments.add(new Argument(Sizeof.cl_mem, Pointer.to(memory)));
        return this;
    }

    Launch intValue(int value) {
        arguments.add(new Argument(Sizeof.cl_int, Pointer.to(new int[] {value})));
        return this;
    }

    Launch flag(boolean value) {
        return intValue(value ? 1 : 0);
    }

    Launch longValue(long value) {
        arguments.add(new Argument(Sizeof.cl_long, Pointer.to(new long[] {value})));
        return this;
    }

    Launch floatValue(float value) {
        arguments.add(new Argument(Sizeof.cl_float, Pointer.to(new float[] {value})));
        return this;
    }

    /** Runs over {@code count} work items (rounded up to whole work-groups of {@code group}). */
    void run1d(long count, long group) {
        run(new long[] {roundUp(count, group)}, new long[] {group});
    }

    /** Runs one work-group of {@code group} work items for each of {@code groups}. */
    void runGroups(long groups, long group) {
        run(new long[] {groups * group}, new long[] {group});
    }

    /** Runs over a grid of columns (rounded up to {@code group}) by rows. */
    void run2d(long columns, long rows, long group) {
        run(new long[] {roundUp(columns, group), rows}, new long[] {group, 1});
    }

    /** Runs over an explicit range; an empty range runs nothing. */
    void run(long[] global, long[] local) {
        for (long size : global) {
            if (size == 0) {
                return;
            }
        }
        device.enqueue(program, kernel, arguments, global, local, call);
    }

    static long roundUp(long count, long group) {
        return (count + group - 1) / group * group;
    }
}
