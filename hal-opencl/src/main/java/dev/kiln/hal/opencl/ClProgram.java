package dev.kiln.hal.opencl;

import static org.jocl.CL.*;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_program;

/**
 * A program of Kiln's kernels built for one device, and its kernel objects. A build the
 * compiler rejects throws {@link OpenClBuildException} with the compiler's log and the device.
 * Kernel objects hold arguments, so callers set and enqueue them under the device's lock.
 */
final class ClProgram implements AutoCloseable {

    private final String name;
    private final cl_device_id device;
    private final cl_program program;
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    private final Map<String, Integer> maxGroups = new HashMap<>();

    private ClProgram(String name, cl_device_id device, cl_program program) {
        this.name = name;
        this.device = device;
        this.program = program;
    }

    /**
     * Compiles {@code source} for the device.
     *
     * @param name what the program is, for errors ("main", "attention, heads up to 128")
     * @param deviceName the device in words, for errors
     */
    static ClProgram build(String name, cl_context context, cl_device_id device, String deviceName, String source,
            String options) {
        cl_program program = clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        try {
            clBuildProgram(program, 1, new cl_device_id[] {device}, options, null, null);
        } catch (CLException e) {
            String log = buildLog(program, device);
            clReleaseProgram(program);
            throw new OpenClBuildException(name, deviceName, options, log, e);
        }
        return new ClProgram(name, device, program);
    }

    /** The kernel named {@code kernelName}, created once. */
    synchronized cl_kernel kernel(String kernelName) {
        return kernels.computeIfAbsent(kernelName, k -> {
            try {
                return clCreateKernel(program, k, null);
            } catch (CLException e) {
                throw new IllegalStateException("opencl: the " + name + " program has no kernel '" + k + "': "
                        + e.getMessage(), e);
            }
        });
    }

    /** The largest work-group the kernel can run with on this device (it may be below the device's). */
    synchronized int maxWorkGroupSize(String kernelName) {
        return maxGroups.computeIfAbsent(kernelName, k -> {
            long[] size = new long[1];
            clGetKernelWorkGroupInfo(kernel(k), device, CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t, Pointer.to(size),
                    null);
            return (int) Math.min(Integer.MAX_VALUE, size[0]);
        });
    }

    @Override
    public synchronized void close() {
        kernels.values().forEach(k -> clReleaseKernel(k));
        kernels.clear();
        clReleaseProgram(program);
    }

    private static String buildLog(cl_program program, cl_device_id device) {
        try {
            long[] size = new long[1];
            clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] bytes = new byte[(int) size[0]];
            clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, bytes.length, Pointer.to(bytes), null);
            int end = bytes.length;
            while (end > 0 && bytes[end - 1] == 0) {
                end--;
            }
            return new String(bytes, 0, end, StandardCharsets.UTF_8);
        } catch (CLException e) {
            return "(the build log could not be read: " + e.getMessage() + ")";
        }
    }
}
