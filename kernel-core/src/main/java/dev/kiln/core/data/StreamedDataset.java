package dev.kiln.core.data;

import dev.kiln.api.data.DatasetSource;
import dev.kiln.api.data.DatasetSpec;
import dev.kiln.api.data.RowReader;
import java.io.IOException;
import java.nio.file.Path;

/** One streamed dataset: its spec and the source that opens it, again for every pass. */
record StreamedDataset(DatasetSpec spec, DatasetSource source, Path cwd) {

    RowReader open() throws IOException {
        return source.open(spec, cwd);
    }
}
