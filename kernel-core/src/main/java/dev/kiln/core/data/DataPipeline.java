package dev.kiln.core.data;

import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.DatasetSource;
import dev.kiln.api.data.RowFormat;
import dev.kiln.api.data.Sample;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * From dataset specs to batches in one call, for the trainer: load ({@link DatasetLoader}), encode
 * ({@link SampleEncoder}), batch ({@link Batcher}, or {@link StreamingBatcher} when streaming).
 * Fails before training when nothing is left to train on.
 */
public final class DataPipeline {

    /** ms-swift's streaming shuffle buffer. */
    public static final int DEFAULT_SHUFFLE_BUFFER = 1000;

    private final DatasetLoader loader;

    public DataPipeline(List<DatasetSource> sources, List<RowFormat> formats) {
        this.loader = new DatasetLoader(sources, formats);
    }

    public DatasetLoader loader() {
        return loader;
    }

    /**
     * Loads and encodes every dataset in memory.
     *
     * @param eval how validation batches are made ({@link BatchOptions#evaluation})
     * @throws DatasetException for bad rows (see {@link DatasetLoader#load}), and when no
     *     training sample keeps a trainable token after truncation, with the counts
     */
    public PreparedData prepare(LoadOptions load, SampleEncoder encoder, BatchOptions train, BatchOptions eval,
            Path cwd) throws IOException, DatasetException {
        LoadedDatasets loaded = loader.load(load, cwd);
        EncodeStats trainStats = new EncodeStats();
        List<EncodedSample> trainSamples = encodeAll(loaded.train(), encoder, trainStats);
        if (trainSamples.isEmpty()) {
            throw new DatasetException(describe(load), "no training sample has a trainable token after"
                    + " encoding (" + trainStats + "); raise --max_length or use --truncation_strategy left|right");
        }
        EncodeStats validationStats = new EncodeStats();
        List<EncodedSample> validationSamples = encodeAll(loaded.validation(), encoder, validationStats);
        Optional<BatchSource> validation = validationSamples.isEmpty() ? Optional.empty()
                : Optional.of(new Batcher(validationSamples, eval));
        return new PreparedData(new Batcher(trainSamples, train), validation, loaded.reports(),
                trainStats, validationStats, loaded.skippedRows());
    }

    /**
     * Streams the training datasets ({@code --streaming true}) and loads {@code --val_dataset} in
     * memory. The first epoch fails with a {@link DatasetException} if no sample is trainable.
     */
    public PreparedData prepareStreaming(LoadOptions load, SampleEncoder encoder, BatchOptions train,
            BatchOptions eval, int shuffleBuffer, Path cwd) throws IOException, DatasetException {
        SampleSource source = loader.stream(load, cwd);
        StreamingBatcher batcher = new StreamingBatcher(source, encoder, train, shuffleBuffer);
        Optional<BatchSource> validation = Optional.empty();
        EncodeStats validationStats = new EncodeStats();
        List<DatasetReport> reports = List.of();
        List<String> skipped = List.of();
        if (!load.valDatasets().isEmpty()) {
            LoadedDatasets loaded = loader.load(new LoadOptions(List.of(), load.valDatasets(), 0, load.seed(),
                    load.strict(), load.modelName(), load.modelAuthor()), cwd);
            List<EncodedSample> samples = encodeAll(loaded.validation(), encoder, validationStats);
            if (!samples.isEmpty()) {
                validation = Optional.of(new Batcher(samples, eval));
            }
            reports = loaded.reports();
            skipped = loaded.skippedRows();
        }
        return new PreparedData(batcher, validation, reports, batcher.stats(), validationStats, skipped);
    }

    private static List<EncodedSample> encodeAll(List<Sample> samples, SampleEncoder encoder, EncodeStats stats)
            throws DatasetException {
        List<EncodedSample> out = new ArrayList<>(samples.size());
        for (Sample sample : samples) {
            encoder.encode(sample, stats).ifPresent(out::add);
        }
        return out;
    }

    private static String describe(LoadOptions load) {
        return load.datasets().stream().map(Object::toString).reduce((a, b) -> a + " " + b).orElse("--dataset");
    }
}
