package dev.kiln.models.tokenizer;

import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.tokenizer.TokenizerFactory;
import dev.kiln.api.weights.WeightFormat;
import dev.kiln.api.weights.WeightSource;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The vocabulary inside a GGUF file ({@code tokenizer.ggml.*}), built as transformers builds it
 * ({@link GgufTokenizers}). The location is a {@code .gguf} file, or a directory holding exactly
 * one and no Hugging Face tokenizer files (those win, as {@link HfTokenizerFactory} reads them).
 *
 * <p>The metadata is read through whichever {@link WeightFormat} service can open the file (the
 * weights-gguf bundle's), so this bundle has no GGUF parser of its own; without one, a GGUF file
 * is not recognised and loading it says why.
 */
@Component(service = TokenizerFactory.class)
public final class GgufTokenizerFactory implements TokenizerFactory {

    private final List<WeightFormat> formats = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            unbind = "removeFormat")
    void addFormat(WeightFormat format) {
        formats.add(format);
    }

    void removeFormat(WeightFormat format) {
        formats.remove(format);
    }

    @Override
    public String name() {
        return "gguf";
    }

    @Override
    public boolean canLoad(Path location) {
        try {
            Path file = ggufFile(location);
            return file != null && format(file) != null;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Tokenizer load(Path location) throws IOException {
        Path file = ggufFile(location);
        if (file == null) {
            throw new IOException(location + ": not a .gguf file, nor a directory holding one "
                    + "(and no tokenizer.json)");
        }
        WeightFormat format = format(file);
        if (format == null) {
            throw new IOException(file + ": no weight format service can open it (is the GGUF "
                    + "bundle installed?)");
        }
        Map<String, Object> metadata;
        try (WeightSource source = format.open(file)) {
            metadata = source.metadata();
        }
        return GgufTokenizers.build(GgufVocabulary.read(file, metadata));
    }

    private WeightFormat format(Path file) {
        for (WeightFormat format : formats) {
            if (format.canOpen(file)) {
                return format;
            }
        }
        return null;
    }

    /** The .gguf file at {@code location}, or null. */
    private static Path ggufFile(Path location) throws IOException {
        if (Files.isRegularFile(location)) {
            return isGguf(location) ? location : null;
        }
        if (!Files.isDirectory(location) || new HfTokenizerFactory().canLoad(location)) {
            return null;
        }
        Path found = null;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(location, GgufTokenizerFactory::isGguf)) {
            for (Path file : files) {
                if (found != null) {
                    return null; // which one is meant is for the caller to say
                }
                found = file;
            }
        }
        return found != null && Files.isRegularFile(found) ? found : null;
    }

    private static boolean isGguf(Path file) {
        Path name = file.getFileName();
        return name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(".gguf");
    }
}
