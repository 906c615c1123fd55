package dev.kiln.hal.opencl;

import static org.jocl.CL.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * The OpenCL devices of this machine, found through JOCL and the ICD loader, or why there are
 * none. Nothing here throws: a missing loader ({@code libOpenCL.so}), a loader without drivers,
 * drivers without devices and devices Kiln cannot use all become a reason.
 *
 * <p>Devices are numbered for {@code --device opencl:N}: usable GPUs and accelerators first,
 * then usable CPU devices, each in the order of the platforms and of their devices.
 */
final class OpenClPlatforms {

    /** What probing found: the usable devices, or the reason there are none. */
    record Probe(List<DeviceSpec> devices, String unavailableReason) {
        boolean available() {
            return unavailableReason == null;
        }
    }

    private static final long CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT_BIT = 1L << 7;

    private OpenClPlatforms() {}

    static Probe probe() {
        try {
            CL.setExceptionsEnabled(true);
            return probeDevices();
        } catch (LinkageError e) {
            // UnsatisfiedLinkError the first time JOCL loads; NoClassDefFoundError, with the
            // first failure among its causes, every time after in this class loader.
            return unavailable(linkProblem(e));
        } catch (CLException e) {
            if (e.getStatus() == CL_PLATFORM_NOT_FOUND_KHR) {
                return unavailable(noPlatform());
            }
            return unavailable("OpenCL failed while listing devices: " + firstLine(e));
        } catch (RuntimeException e) {
            return unavailable("OpenCL failed while listing devices: " + firstLine(e));
        }
    }

    private static Probe probeDevices() {
        int[] count = new int[1];
        clGetPlatformIDs(0, null, count);
        if (count[0] == 0) {
            return unavailable(noPlatform());
        }
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        clGetPlatformIDs(platforms.length, platforms, null);
        List<DeviceSpec> all = new ArrayList<>();
        List<String> platformNames = new ArrayList<>();
        for (cl_platform_id platform : platforms) {
            String platformName = platformString(platform, CL_PLATFORM_NAME);
            platformNames.add(platformName);
            for (cl_device_id device : devices(platform)) {
                all.add(describe(platform, platformName, device));
            }
        }
        if (all.isEmpty()) {
            return unavailable("no OpenCL device: the platform" + (platformNames.size() == 1 ? " " : "s ")
                    + String.join(", ", platformNames) + " offer" + (platformNames.size() == 1 ? "s" : "")
                    + " none");
        }
        List<DeviceSpec> usable = all.stream().filter(DeviceSpec::usable)
                .sorted(Comparator.comparing(DeviceSpec::isCpu)) // stable: GPUs first, then CPUs
                .toList();
        if (usable.isEmpty()) {
            return unavailable("no usable OpenCL device: " + all.stream()
                    .map(d -> d.describe() + ": " + d.unusableReason()).collect(Collectors.joining("; ")));
        }
        return new Probe(usable, null);
    }

    private static List<cl_device_id> devices(cl_platform_id platform) {
        int[] count = new int[1];
        try {
            clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, null, count);
        } catch (CLException e) {
            if (e.getStatus() == CL_DEVICE_NOT_FOUND) {
                return List.of();
            }
            throw e;
        }
        cl_device_id[] ids = new cl_device_id[count[0]];
        clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, ids.length, ids, null);
        return List.of(ids);
    }

    static DeviceSpec describe(cl_platform_id platform, String platformName, cl_device_id device) {
        long type = deviceLong(device, CL_DEVICE_TYPE);
        String typeName = (type & CL_DEVICE_TYPE_GPU) != 0 ? "GPU"
                : (type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "ACCELERATOR"
                : (type & CL_DEVICE_TYPE_CPU) != 0 ? "CPU" : "OTHER";
        String version = deviceString(device, CL_DEVICE_VERSION);
        String cVersion = deviceString(device, CL_DEVICE_OPENCL_C_VERSION);
        long fpConfig = deviceLong(device, CL_DEVICE_SINGLE_FP_CONFIG);
        return new DeviceSpec(platform, device, platformName, deviceString(device, CL_DEVICE_NAME).strip(),
                deviceString(device, CL_DEVICE_VENDOR).strip(), version, typeName,
                deviceLong(device, CL_DEVICE_GLOBAL_MEM_SIZE), deviceLong(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                (int) Math.min(Integer.MAX_VALUE, deviceSize(device, CL_DEVICE_MAX_WORK_GROUP_SIZE)),
                deviceLong(device, CL_DEVICE_LOCAL_MEM_SIZE), deviceInt(device, CL_DEVICE_MAX_COMPUTE_UNITS),
                (fpConfig & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT_BIT) != 0,
                unusableReason(device, cVersion));
    }

    /** Why Kiln's kernels cannot run on the device, or null when they can. */
    private static String unusableReason(cl_device_id device, String cVersion) {
        if (deviceInt(device, CL_DEVICE_AVAILABLE) == 0) {
            return "the driver says it is not available";
        }
        if (deviceInt(device, CL_DEVICE_COMPILER_AVAILABLE) == 0) {
            return "it has no OpenCL C compiler";
        }
        if (deviceInt(device, CL_DEVICE_ENDIAN_LITTLE) == 0) {
            return "it is big-endian";
        }
        if (!deviceString(device, CL_DEVICE_PROFILE).equals("FULL_PROFILE")) {
            return "it implements the embedded profile, without 64-bit integers";
        }
        if (!supportsOpenClC12(cVersion)) {
            return "its compiler is " + cVersion + "; the kernels need OpenCL C 1.2";
        }
        return null;
    }

    /** "OpenCL C 1.2 ..." or later. */
    static boolean supportsOpenClC12(String cVersion) {
        String[] words = cVersion.split(" ");
        if (words.length < 3) {
            return false;
        }
        String[] numbers = words[2].split("\\.");
        try {
            int major = Integer.parseInt(numbers[0]);
            int minor = numbers.length > 1 ? Integer.parseInt(numbers[1]) : 0;
            return major > 1 || (major == 1 && minor >= 2);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static String linkProblem(LinkageError e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains("Could not initialize native OpenCL library")) {
                return "no OpenCL ICD loader: libOpenCL.so could not be loaded (install an OpenCL driver and the "
                        + "loader's libOpenCL.so, on Debian and Ubuntu: ocl-icd-libopencl1 and ocl-icd-opencl-dev)";
            }
        }
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return "JOCL's native library could not be loaded on " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch") + ": " + firstLine(root);
    }

    private static String noPlatform() {
        return "no OpenCL platform: the ICD loader found no driver (install one: pocl-opencl-icd for CPUs, "
                + "or the GPU vendor's OpenCL driver)";
    }

    private static Probe unavailable(String reason) {
        return new Probe(List.of(), reason);
    }

    private static String firstLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).strip();
    }

    // ---- clGet*Info ----------------------------------------------------------------------------

    private static String platformString(cl_platform_id platform, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(platform, param, 0, null, size);
        byte[] bytes = new byte[(int) size[0]];
        clGetPlatformInfo(platform, param, bytes.length, Pointer.to(bytes), null);
        return cString(bytes);
    }

    static String deviceString(cl_device_id device, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(device, param, 0, null, size);
        byte[] bytes = new byte[(int) size[0]];
        clGetDeviceInfo(device, param, bytes.length, Pointer.to(bytes), null);
        return cString(bytes);
    }

    static long deviceLong(cl_device_id device, int param) {
        long[] value = new long[1];
        clGetDeviceInfo(device, param, Sizeof.cl_ulong, Pointer.to(value), null);
        return value[0];
    }

    static int deviceInt(cl_device_id device, int param) {
        int[] value = new int[1];
        clGetDeviceInfo(device, param, Sizeof.cl_uint, Pointer.to(value), null);
        return value[0];
    }

    static long deviceSize(cl_device_id device, int param) {
        long[] value = new long[1];
        clGetDeviceInfo(device, param, Sizeof.size_t, Pointer.to(value), null);
        return value[0];
    }

    private static String cString(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8).strip();
    }
}
