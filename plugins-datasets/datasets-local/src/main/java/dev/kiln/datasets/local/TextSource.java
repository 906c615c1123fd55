package dev.kiln.datasets.local;

import dev.kiln.api.data.DatasetSource;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.osgi.service.component.annotations.Component;

/**
 * Text files ({@code .txt}) for pretraining, as ms-swift reads them: one row {@code {"text": line}}
 * per line that is not blank, the line as it is (without its line break).
 */
@Component(service = DatasetSource.class)
public final class TextSource extends FileSource {

    public TextSource() {
        super("txt", ".txt");
    }

    @Override
    RowReader open(Path file, String display) throws IOException {
        BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        return new RowReader() {
            long line;

            @Override
            public Optional<Row> next() throws IOException {
                String text;
                do {
                    text = reader.readLine();
                    if (text == null) {
                        return Optional.empty();
                    }
                    line++;
                } while (text.isBlank());
                if (line == 1 && text.startsWith("\uFEFF")) {
                    text = text.substring(1);
                }
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("text", text);
                return Optional.of(new Row(fields, display + ":" + line));
            }

            @Override
            public OptionalLong size() {
                return OptionalLong.empty();
            }

            @Override
            public void close() throws IOException {
                reader.close();
            }
        };
    }
}
