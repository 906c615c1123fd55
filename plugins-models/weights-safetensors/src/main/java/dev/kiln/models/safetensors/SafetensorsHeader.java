package dev.kiln.models.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.weights.TensorInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON header of one safetensors file, checked against the size of the data section that
 * follows it: known dtypes, shapes that fit, offsets inside the section, sized as dtype × shape
 * and not overlapping.
 *
 * @param tensors  the tensors in the order their bytes lie in the file
 * @param metadata the optional {@code __metadata__} string map
 */
record SafetensorsHeader(Map<String, Slice> tensors, Map<String, String> metadata) {

    private static final String METADATA_KEY = "__metadata__";

    static SafetensorsHeader parse(Path file, byte[] json, long dataSize) throws IOException {
        JsonNode root = Json.readObject(file, "header", json);
        Map<String, String> metadata = Map.of();
        List<Slice> slices = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = metadata(file, field.getValue());
            } else {
                slices.add(slice(file, field.getKey(), field.getValue(), dataSize));
            }
        }
        slices.sort(Comparator.comparingLong(Slice::begin).thenComparingLong(Slice::end));
        Map<String, Slice> tensors = new LinkedHashMap<>();
        Slice previous = null;
        for (Slice slice : slices) {
            if (previous != null && slice.begin() < previous.end()) {
                throw new IOException(file + ": tensor '" + slice.info().name() + "' data_offsets ["
                        + slice.begin() + ", " + slice.end() + ") overlap those of tensor '"
                        + previous.info().name() + "' [" + previous.begin() + ", " + previous.end()
                        + ")");
            }
            tensors.put(slice.info().name(), slice);
            previous = slice;
        }
        return new SafetensorsHeader(Collections.unmodifiableMap(tensors), metadata);
    }

    private static Map<String, String> metadata(Path file, JsonNode node) throws IOException {
        if (!node.isObject()) {
            throw new IOException(file + ": " + METADATA_KEY + " is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().isTextual()) {
                throw new IOException(file + ": " + METADATA_KEY + " entry '" + field.getKey()
                        + "' is not a string");
            }
            metadata.put(field.getKey(), field.getValue().textValue());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static Slice slice(Path file, String name, JsonNode node, long dataSize)
            throws IOException {
        String where = file + ": tensor '" + name + "'";
        if (!node.isObject()) {
            throw new IOException(where + ": entry is not a JSON object");
        }
        DType dtype = dtype(where, node.get("dtype"));
        Shape shape = shape(where, node.get("shape"));
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !isLong(offsets.get(0)) || !isLong(offsets.get(1))) {
            throw new IOException(where + ": data_offsets must be two integers, got " + offsets);
        }
        long begin = offsets.get(0).longValue();
        long end = offsets.get(1).longValue();
        if (begin < 0 || end < begin) {
            throw new IOException(where + ": data_offsets [" + begin + ", " + end
                    + ") are not an ascending pair of non-negative offsets");
        }
        if (end > dataSize) {
            throw new IOException(where + ": data_offsets [" + begin + ", " + end
                    + ") run past the end of the data section (" + dataSize
                    + " bytes); is the file truncated?");
        }
        long expected;
        try {
            expected = Math.multiplyExact(shape.numel(), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new IOException(where + ": shape " + shape + " is too large", e);
        }
        if (end - begin != expected) {
            throw new IOException(where + ": data_offsets [" + begin + ", " + end + ") hold "
                    + (end - begin) + " bytes but " + dtype + shape + " needs " + expected);
        }
        return new Slice(new TensorInfo(name, dtype, shape), begin, end);
    }

    private static DType dtype(String where, JsonNode node) throws IOException {
        if (node == null || !node.isTextual()) {
            throw new IOException(where + ": dtype is missing or not a string");
        }
        // safetensors spells these exactly as DType does; F64, I16, U16, F8_*, ... have no DType.
        return switch (node.textValue()) {
            case "F32" -> DType.F32;
            case "F16" -> DType.F16;
            case "BF16" -> DType.BF16;
            case "I64" -> DType.I64;
            case "I32" -> DType.I32;
            case "I8" -> DType.I8;
            case "U8" -> DType.U8;
            case "BOOL" -> DType.BOOL;
            default -> throw new IOException(where + ": unsupported dtype '" + node.textValue()
                    + "' (supported: F32, F16, BF16, I64, I32, I8, U8, BOOL)");
        };
    }

    private static Shape shape(String where, JsonNode node) throws IOException {
        if (node == null || !node.isArray()) {
            throw new IOException(where + ": shape is missing or not an array");
        }
        int[] dims = new int[node.size()];
        long numel = 1;
        for (int i = 0; i < dims.length; i++) {
            JsonNode dim = node.get(i);
            if (!dim.isIntegralNumber() || !dim.canConvertToInt() || dim.intValue() < 0) {
                throw new IOException(where + ": shape " + node + " has a dimension that is not an"
                        + " integer from 0 to " + Integer.MAX_VALUE);
            }
            dims[i] = dim.intValue();
            try {
                numel = Math.multiplyExact(numel, dims[i]);
            } catch (ArithmeticException e) {
                throw new IOException(where + ": shape " + node + " is too large", e);
            }
        }
        return Shape.of(dims);
    }

    private static boolean isLong(JsonNode node) {
        return node.isIntegralNumber() && node.canConvertToLong();
    }
}
