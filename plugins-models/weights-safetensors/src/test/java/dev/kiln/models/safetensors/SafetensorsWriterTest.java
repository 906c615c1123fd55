package dev.kiln.models.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.weights.TensorInfo;
import dev.kiln.api.weights.WeightSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer against the safetensors library's own output, and read back by the reader. */
class SafetensorsWriterTest {

    private final SafetensorsFormat format = new SafetensorsFormat();

    @TempDir
    Path dir;

    @Test
    void writesTheLibrarysBytesForTheSameTensors() throws Exception {
        Path golden = Path.of(getClass().getResource("/golden/written-by-safetensors.safetensors")
                .toURI());
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata;
        try (WeightSource source = format.open(golden)) {
            List<TensorInfo> infos = new ArrayList<>(source.tensors().values());
            Collections.reverse(infos); // the writer orders them itself
            for (TensorInfo info : infos) {
                tensors.put(info.name(), HostTensor.of(info.dtype(), info.shape(),
                        source.data(info.name())));
            }
            metadata = new LinkedHashMap<>();
            source.metadata().forEach((k, v) -> metadata.put(k, (String) v));
        }
        assertEquals(10, tensors.size());
        Path written = dir.resolve("model.safetensors");
        format.write(written, tensors, metadata);
        assertArrayEquals(Files.readAllBytes(golden), Files.readAllBytes(written));
    }

    @Test
    void readsBackWhatItWrote() throws Exception {
        Map<String, Tensor> tensors = Map.of(
                "w", HostTensor.floats(DType.F32, Shape.of(2, 3), 1, -2, 3.25f, 0.1f, 1e-30f, -0f),
                "h", HostTensor.floats(DType.F16, Shape.of(3), 65504, -1.5f, 6e-5f),
                "b", HostTensor.floats(DType.BF16, Shape.of(1, 2), 3e38f, -7.0e-3f),
                "ids", HostTensor.ints(Shape.of(3), Integer.MIN_VALUE, 0, Integer.MAX_VALUE),
                "s", HostTensor.floats(DType.F32, Shape.scalar(), 42));
        Path file = dir.resolve("adapter_model.safetensors");
        format.write(file, tensors, Map.of("format", "pt", "b", "\"quoted\"\n"));
        String header = new String(Files.readAllBytes(file), 8, 60, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"b\":\"\\\"quoted\\\"\\n\",\"format\""), header);
        try (WeightSource source = format.open(file)) {
            assertEquals(Map.of("format", "pt", "b", "\"quoted\"\n"), source.metadata());
            assertEquals(List.of("s", "w", "ids", "b", "h"), List.copyOf(source.tensors().keySet()));
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                TensorInfo info = source.tensors().get(e.getKey());
                assertEquals(e.getValue().dtype(), info.dtype(), e.getKey());
                assertEquals(e.getValue().shape(), info.shape(), e.getKey());
                HostTensor read = HostTensor.of(info.dtype(), info.shape(), source.data(e.getKey()));
                if (info.dtype() == DType.I32) {
                    assertArrayEquals(e.getValue().toIntArray(), read.toIntArray());
                } else {
                    assertArrayEquals(e.getValue().toFloatArray(), read.toFloatArray(), e.getKey());
                }
            }
        }
    }

    @Test
    void noMetadataWritesNoMetadataEntryAndMissingDirectoriesAreMade() throws Exception {
        Path file = dir.resolve("a/b/model.safetensors");
        format.write(file, Map.of("x", HostTensor.floats(DType.F32, Shape.of(1), 1)), Map.of());
        byte[] bytes = Files.readAllBytes(file);
        int headerLength = bytes[0]; // little-endian, and short
        assertEquals(56, headerLength);
        assertEquals("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}  ",
                new String(bytes, 8, headerLength, StandardCharsets.UTF_8));
        assertEquals(8 + 56 + 4, bytes.length);
    }

    @Test
    void aFailedWriteLeavesThePreviousFileAndNoTemporary() throws Exception {
        Path file = dir.resolve("model.safetensors");
        format.write(file, Map.of("x", HostTensor.floats(DType.F32, Shape.of(2), 1, 2)), Map.of());
        byte[] before = Files.readAllBytes(file);
        Map<String, Tensor> failing = new LinkedHashMap<>();
        failing.put("a", HostTensor.floats(DType.F32, Shape.of(2), 3, 4));
        failing.put("b", HostTensor.failing(DType.F32, Shape.of(2)));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> format.write(file, failing, Map.of()));
        assertTrue(e.getMessage().contains("no float copy"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
        assertEquals(List.of(file), files());
    }

    @Test
    void aDtypeSafetensorsCannotTakeFromATensorIsRefusedByName() throws Exception {
        Path file = dir.resolve("model.safetensors");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> format.write(file, Map.of("mask", HostTensor.failing(DType.BOOL, Shape.of(2))),
                        Map.of()));
        assertTrue(e.getMessage().contains("'mask'") && e.getMessage().contains("BOOL"), e.getMessage());
        assertEquals(List.of(), files());
    }

    @Test
    void anUnwritableLocationIsAnIoExceptionNamingTheFile() throws Exception {
        Path blocker = Files.writeString(dir.resolve("not-a-directory"), "x");
        Path file = blocker.resolve("model.safetensors");
        IOException e = assertThrows(IOException.class,
                () -> format.write(file, Map.of("x", HostTensor.floats(DType.F32, Shape.of(1), 1)),
                        Map.of()));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.toList();
        }
    }
}
