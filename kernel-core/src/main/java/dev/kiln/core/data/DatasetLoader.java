package dev.kiln.core.data;

import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.DatasetSource;
import dev.kiln.api.data.DatasetSpec;
import dev.kiln.api.data.RowFormat;
import dev.kiln.api.data.RowReader;
import dev.kiln.api.data.Sample;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;

/**
 * Reads the datasets a run names into {@link Sample}s, as ms-swift's dataset loader does: each
 * spec is opened by the first {@link DatasetSource} that claims it, each row converted by the
 * {@link RowFormat} that recognises its fields, {@code #N} applied (N rows drawn with the seed;
 * more than the dataset holds repeats it whole and draws the rest), then the
 * {@code --split_dataset_ratio} share moved to validation; the training datasets are then
 * concatenated in the order given. {@code {{NAME}}} and {@code {{AUTHOR}}} in the rows become
 * {@code --model_name} and {@code --model_author}.
 *
 * <p>The sources and formats are the DS services present (the caller passes them as lists).
 */
public final class DatasetLoader {

    private static final int SKIPPED_KEPT = 20;

    private final List<DatasetSource> sources;
    private final RowFormatDetector detector;

    public DatasetLoader(List<DatasetSource> sources, List<RowFormat> formats) {
        this.sources = List.copyOf(sources);
        this.detector = new RowFormatDetector(formats);
    }

    /**
     * Loads every training and validation dataset into memory.
     *
     * @throws IOException when a source cannot be found or read, naming the spec or file
     * @throws DatasetException for a malformed row under {@code strict}, a row no format
     *     recognises (naming the formats tried), or a dataset without rows
     */
    public LoadedDatasets load(LoadOptions options, Path cwd) throws IOException, DatasetException {
        Objects.requireNonNull(cwd, "cwd");
        if (options.datasets().isEmpty() && options.valDatasets().isEmpty()) {
            throw new IllegalArgumentException("no dataset: pass --dataset");
        }
        Random random = new Random(options.seed());
        Placeholders placeholders = new Placeholders(options.modelName(), options.modelAuthor());
        List<Sample> train = new ArrayList<>();
        List<Sample> validation = new ArrayList<>();
        List<DatasetReport> reports = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (DatasetSpec spec : options.datasets()) {
            Loaded loaded = readAll(spec, cwd, options.strict(), placeholders, skipped);
            List<Sample> drawn = RowSampling.draw(loaded.samples, spec.sampleCount(), random);
            int validationCount = RowSampling.validationCount(drawn.size(), options.splitDatasetRatio());
            List<Sample> shuffled = validationCount == 0 ? drawn : RowSampling.shuffled(drawn, random);
            train.addAll(shuffled.subList(validationCount, shuffled.size()));
            validation.addAll(shuffled.subList(0, validationCount));
            reports.add(loaded.report(drawn.size() - validationCount, validationCount));
        }
        for (DatasetSpec spec : options.valDatasets()) {
            Loaded loaded = readAll(spec, cwd, options.strict(), placeholders, skipped);
            List<Sample> drawn = RowSampling.draw(loaded.samples, spec.sampleCount(), random);
            validation.addAll(drawn);
            reports.add(loaded.report(0, drawn.size()));
        }
        return new LoadedDatasets(train, validation, reports, skipped);
    }

    /**
     * The training datasets as a stream, for data larger than memory ({@code --streaming true}).
     * Rows are read as they are needed and the datasets interleaved one row at a time; {@code #N}
     * takes the first N rows, starting over when a dataset has fewer. {@code --split_dataset_ratio}
     * does not apply: use {@code --val_dataset} with {@link #load}.
     *
     * @throws IllegalArgumentException when a split ratio is set
     * @throws IOException when no source can open a spec
     */
    public SampleSource stream(LoadOptions options, Path cwd) throws IOException {
        if (options.splitDatasetRatio() > 0) {
            throw new IllegalArgumentException("--split_dataset_ratio does not apply to streaming datasets:"
                    + " pass --val_dataset instead");
        }
        if (options.datasets().isEmpty()) {
            throw new IllegalArgumentException("no dataset: pass --dataset");
        }
        List<StreamedDataset> datasets = new ArrayList<>();
        for (DatasetSpec spec : options.datasets()) {
            datasets.add(new StreamedDataset(spec, sourceFor(spec, cwd), cwd));
        }
        return new InterleavedSampleSource(datasets, detector, options.strict(),
                new Placeholders(options.modelName(), options.modelAuthor()));
    }

    /**
     * The source that claims {@code spec}: the first that can open it.
     *
     * @throws IOException naming the spec and every source tried
     */
    DatasetSource sourceFor(DatasetSpec spec, Path cwd) throws IOException {
        for (DatasetSource source : sources) {
            if (source.canOpen(spec, cwd)) {
                return source;
            }
        }
        List<String> names = sources.stream().map(DatasetSource::name).toList();
        throw new IOException("dataset '" + spec + "': no dataset source can open it (tried "
                + (names.isEmpty() ? "none: no dataset source is installed" : String.join(", ", names))
                + "); a file is looked for relative to " + cwd);
    }

    private Loaded readAll(DatasetSpec spec, Path cwd, boolean strict, Placeholders placeholders,
            List<String> skippedMessages) throws IOException, DatasetException {
        DatasetSource source = sourceFor(spec, cwd);
        Loaded loaded = new Loaded(spec, source.name());
        try (RowReader reader = source.open(spec, cwd)) {
            SampleReader samples = new SampleReader(reader, detector, strict,
                    placeholders.forSource(source.name()));
            for (Optional<Sample> s = samples.next(); s.isPresent(); s = samples.next()) {
                loaded.samples.add(s.get());
            }
            loaded.rowsRead = samples.rowsRead();
            loaded.formats.putAll(samples.formatCounts());
            loaded.skipped = samples.skipped();
            for (String message : samples.skippedMessages()) {
                if (skippedMessages.size() < SKIPPED_KEPT) {
                    skippedMessages.add(message);
                }
            }
        }
        if (loaded.samples.isEmpty()) {
            throw new DatasetException(spec.text(), "the dataset has no rows"
                    + (loaded.skipped > 0 ? " (" + loaded.skipped + " malformed rows skipped)" : ""));
        }
        return loaded;
    }

    /** One dataset read whole, and what reading it found. */
    private static final class Loaded {
        final DatasetSpec spec;
        final String source;
        final List<Sample> samples = new ArrayList<>();
        final Map<String, Long> formats = new LinkedHashMap<>();
        long rowsRead;
        long skipped;

        Loaded(DatasetSpec spec, String source) {
            this.spec = spec;
            this.source = source;
        }

        DatasetReport report(long train, long validation) {
            return new DatasetReport(spec.text(), source, rowsRead, skipped, formats, train, validation);
        }
    }
}
