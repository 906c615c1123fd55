package dev.kiln.datasets.local;

import dev.kiln.api.data.DatasetSource;
import dev.kiln.api.data.RowReader;
import java.io.IOException;
import java.nio.file.Path;
import org.osgi.service.component.annotations.Component;

/** JSON Lines files ({@code .jsonl}): one JSON object per line; blank lines are skipped. */
@Component(service = DatasetSource.class)
public final class JsonlSource extends FileSource {

    public JsonlSource() {
        super("jsonl", ".jsonl");
    }

    @Override
    RowReader open(Path file, String display) throws IOException {
        return new JsonLinesReader(file, display);
    }
}
