package dev.kiln.models.gguf;

import dev.kiln.api.weights.WeightFormat;
import dev.kiln.api.weights.WeightSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.osgi.service.component.annotations.Component;

/**
 * The GGUF format of llama.cpp, versions 2 and 3. Opens a {@code .gguf} file (recognised by its
 * magic, whatever its name), or a model directory holding exactly one {@code .gguf} file. The
 * sources it opens are {@link GgufSource}s.
 */
@Component(service = WeightFormat.class)
public final class GgufFormat implements WeightFormat {

    @Override
    public String name() {
        return "gguf";
    }

    @Override
    public boolean canOpen(Path location) {
        try {
            return resolve(location) != null;
        } catch (IOException e) {
            return false;
        }
    }

    /** Opens a file (its header says what is wrong with it) or a directory holding one. */
    @Override
    public GgufSource open(Path location) throws IOException {
        Path file = Files.isDirectory(location) ? resolve(location) : location;
        if (file == null) {
            throw new IOException(location + ": holds no GGUF file, or more than one");
        }
        return GgufSource.open(location, file);
    }

    /** The GGUF file for {@code location}, or null when there is none. */
    private static Path resolve(Path location) throws IOException {
        if (Files.isDirectory(location)) {
            Path found = null;
            try (DirectoryStream<Path> files = Files.newDirectoryStream(location, "*.gguf")) {
                for (Path file : files) {
                    if (found != null) {
                        return null; // ambiguous: let the caller name the file
                    }
                    found = file;
                }
            }
            return found != null && hasMagic(found) ? found : null;
        }
        return Files.isRegularFile(location) && hasMagic(location) ? location : null;
    }

    private static boolean hasMagic(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4
                    && ByteBuffer.wrap(magic).order(ByteOrder.LITTLE_ENDIAN).getInt()
                            == GgufHeader.MAGIC;
        }
    }
}
