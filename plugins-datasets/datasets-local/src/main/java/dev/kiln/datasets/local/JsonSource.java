package dev.kiln.datasets.local;

import dev.kiln.api.data.DatasetSource;
import dev.kiln.api.data.RowReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.osgi.service.component.annotations.Component;

/**
 * JSON files ({@code .json}): an array of objects, streamed element by element; or, as Hugging
 * Face's json loader also accepts, JSON Lines under a {@code .json} name.
 */
@Component(service = DatasetSource.class)
public final class JsonSource extends FileSource {

    public JsonSource() {
        super("json", ".json");
    }

    @Override
    RowReader open(Path file, String display) throws IOException {
        BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        try {
            reader.mark(1 << 16);
            int c;
            do {
                c = reader.read();
            } while (c == '\uFEFF' || (c >= 0 && Character.isWhitespace(c)));
            reader.reset();
            if (c == '[') {
                return new JsonArrayReader(reader, display);
            }
            return new JsonLinesReader(reader, display, 0);
        } catch (IOException | RuntimeException e) {
            reader.close();
            throw e;
        }
    }
}
