package dev.kiln.models.safetensors;

import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.weights.WeightFormat;
import dev.kiln.api.weights.WeightSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/**
 * The safetensors format of Hugging Face checkpoints. Opens a {@code .safetensors} file, a
 * sharded checkpoint's {@code model.safetensors.index.json}, or a model directory holding either
 * (the index wins when both are there). Writes single files as the safetensors library does
 * ({@link SafetensorsWriter}).
 */
@Component(service = WeightFormat.class)
public final class SafetensorsFormat implements WeightFormat {

    static final String SINGLE = "model.safetensors";
    static final String INDEX = "model.safetensors.index.json";

    @Override
    public String name() {
        return "safetensors";
    }

    @Override
    public boolean canOpen(Path location) {
        return resolve(location) != null;
    }

    @Override
    public WeightSource open(Path location) throws IOException {
        Path file = resolve(location);
        if (file == null) {
            throw new IOException(location + ": not a safetensors checkpoint (no " + SINGLE
                    + " or " + INDEX + ")");
        }
        return file.getFileName().toString().endsWith(".index.json")
                ? SafetensorsSource.openSharded(location, file)
                : SafetensorsSource.openSingle(location, file);
    }

    /**
     * Writes one {@code .safetensors} file, byte for byte as the safetensors library writes the
     * same tensors (its {@code __metadata__} keys sorted), replacing {@code file} atomically.
     */
    @Override
    public void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        SafetensorsWriter.write(file, tensors, metadata);
    }

    /** The file to read for {@code location}, or null when it is not a safetensors checkpoint. */
    private static Path resolve(Path location) {
        if (Files.isDirectory(location)) {
            for (String name : new String[] {INDEX, SINGLE}) {
                Path file = location.resolve(name);
                if (Files.isRegularFile(file)) {
                    return file;
                }
            }
            return null;
        }
        Path name = location.getFileName();
        if (name != null && Files.isRegularFile(location)) {
            String n = name.toString();
            if (n.endsWith(".safetensors") || n.endsWith(".safetensors.index.json")) {
                return location;
            }
        }
        return null;
    }
}
