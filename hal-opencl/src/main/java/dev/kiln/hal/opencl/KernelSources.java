package dev.kiln.hal.opencl;

import dev.kiln.api.tensor.DType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The OpenCL C sources of the kernels, read from this bundle (dev/kiln/hal/opencl/kernels), and
 * the programs made of them: the main program with every kernel but attention, and one attention
 * program per head-size class. Templates are instantiated here for each dtype they serve.
 */
final class KernelSources {

    /** The floating-point storage dtypes, as GEMM inputs and conversion ends. */
    static final List<DType> FLOAT_TYPES = List.of(DType.F32, DType.BF16, DType.F16);

    private KernelSources() {}

    /**
     * common.cl, the kernel files, the conversions from each floating-point dtype to every other
     * stored one (convert.cl has those from I32), and the GEMM for each pair of input dtypes.
     */
    static String main() {
        StringBuilder source = new StringBuilder();
        for (String file : List.of("common.cl", "elementwise.cl", "rows.cl", "rope.cl", "embedding.cl",
                "convert.cl")) {
            source.append(read(file)).append('\n');
        }
        String convert = read("convert-template.cl");
        String gemm = read("gemm-template.cl") + read("gemm-columns-template.cl");
        for (DType from : FLOAT_TYPES) {
            for (DType to : List.of(DType.F32, DType.BF16, DType.F16, DType.I32)) {
                if (from != to) {
                    source.append(convert.replace("$FROM_T", cType(from)).replace("$TO_T", cType(to))
                            .replace("$FROM", from.label()).replace("$TO", to.label()));
                }
            }
        }
        for (DType a : FLOAT_TYPES) {
            for (DType b : FLOAT_TYPES) {
                source.append(gemm.replace("$A_T", cType(a)).replace("$B_T", cType(b))
                        .replace("$A", a.label()).replace("$B", b.label()));
            }
        }
        return source.toString();
    }

    /** common.cl and attention.cl; the head capacity and tile come as definitions. */
    static String attention() {
        return read("common.cl") + '\n' + read("attention.cl");
    }

    /** The GEMM kernel for these input dtypes: tiled, or by columns for CPU devices. */
    static String gemmKernel(DType a, DType b, boolean columns) {
        return (columns ? "gemm_columns_" : "gemm_") + a.label() + "_" + b.label();
    }

    /** The conversion kernel between two distinct dtypes. */
    static String convertKernel(DType from, DType to) {
        return "convert_" + from.label() + "_" + to.label();
    }

    /** The C type a buffer of the dtype is seen as: BF16 and F16 as bit patterns. */
    private static String cType(DType type) {
        return switch (type) {
            case F32 -> "float";
            case BF16, F16 -> "ushort";
            case I32 -> "int";
            default -> throw new IllegalArgumentException("opencl does not store " + type);
        };
    }

    private static String read(String file) {
        String path = "kernels/" + file;
        try (InputStream in = KernelSources.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("opencl: the kernel source " + path + " is missing from the bundle");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("opencl: cannot read the kernel source " + path, e);
        }
    }
}
