package dev.kiln.hal.opencl;

import java.util.Locale;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * One OpenCL device as the driver describes it: what the backend shows the user and what it
 * sizes its kernels by.
 *
 * @param platform the platform's handle
 * @param id the device's handle
 * @param platformName e.g. "Portable Computing Language"
 * @param name e.g. "NVIDIA H100" or "pthread-skylake-avx512-AMD EPYC"
 * @param vendor who makes the device
 * @param version the device's OpenCL version string
 * @param type GPU, CPU or ACCELERATOR
 * @param globalMemoryBytes CL_DEVICE_GLOBAL_MEM_SIZE
 * @param maxAllocationBytes CL_DEVICE_MAX_MEM_ALLOC_SIZE: the largest single buffer
 * @param maxWorkGroupSize CL_DEVICE_MAX_WORK_GROUP_SIZE
 * @param localMemoryBytes CL_DEVICE_LOCAL_MEM_SIZE
 * @param computeUnits CL_DEVICE_MAX_COMPUTE_UNITS
 * @param correctlyRoundedDivideSqrt whether -cl-fp32-correctly-rounded-divide-sqrt is supported
 * @param unusableReason why Kiln cannot run its kernels on this device, or null
 */
record DeviceSpec(cl_platform_id platform, cl_device_id id, String platformName, String name, String vendor,
        String version, String type, long globalMemoryBytes, long maxAllocationBytes, int maxWorkGroupSize,
        long localMemoryBytes, int computeUnits, boolean correctlyRoundedDivideSqrt, String unusableReason) {

    boolean usable() {
        return unusableReason == null;
    }

    boolean isCpu() {
        return type.equals("CPU");
    }

    /** "NVIDIA H100 (GPU, NVIDIA CUDA)". */
    String describe() {
        return name + " (" + type + ", " + platformName + ")";
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s: %d compute units, %.1f GiB, work-groups up to %d, %d KiB local memory",
                describe(), computeUnits, globalMemoryBytes / (double) (1L << 30), maxWorkGroupSize,
                localMemoryBytes / 1024);
    }
}
