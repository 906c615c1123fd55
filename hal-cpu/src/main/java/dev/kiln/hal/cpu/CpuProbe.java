package dev.kiln.hal.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the CPU backend can see of this machine: processor model and vendor, cores, the heap it
 * allocates tensors in, and the width of the Vector API's preferred species (0 when the Vector
 * API is absent).
 */
record CpuProbe(String model, String vendor, int cores, long heapBytes, int vectorBits) {

    static CpuProbe local() {
        List<String> cpuinfo = readCpuInfo();
        String model = field(cpuinfo, "model name", System.getProperty("os.arch"));
        String vendor = switch (field(cpuinfo, "vendor_id", "")) {
            case "GenuineIntel" -> "Intel";
            case "AuthenticAMD" -> "AMD";
            case "" -> System.getProperty("java.vm.vendor", "unknown");
            default -> field(cpuinfo, "vendor_id", "");
        };
        return new CpuProbe(model, vendor, Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory(), detectVectorBits());
    }

    /** The preferred vector width in bits, or 0 when jdk.incubator.vector cannot be loaded. */
    static int detectVectorBits() {
        try {
            return VectorWidth.preferredBits();
        } catch (LinkageError absent) {
            return 0;
        }
    }

    private static List<String> readCpuInfo() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo"));
        } catch (IOException | SecurityException notLinux) {
            return List.of();
        }
    }

    private static String field(List<String> cpuinfo, String key, String fallback) {
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals(key)) {
                return line.substring(colon + 1).strip();
            }
        }
        return fallback;
    }
}
