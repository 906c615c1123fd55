package dev.kiln.core.data;

import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.RowReader;
import dev.kiln.api.data.Sample;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Several streamed datasets, one row of each in turn until all are used up. {@code #N} takes a
 * dataset's first N rows, reading it again from the start when it has fewer.
 */
final class InterleavedSampleSource implements SampleSource {

    private final List<StreamedDataset> datasets;
    private final RowFormatDetector detector;
    private final boolean strict;
    private final Placeholders placeholders;

    InterleavedSampleSource(List<StreamedDataset> datasets, RowFormatDetector detector, boolean strict,
            Placeholders placeholders) {
        this.datasets = List.copyOf(datasets);
        this.detector = detector;
        this.strict = strict;
        this.placeholders = placeholders;
    }

    @Override
    public String description() {
        return String.join(" ", datasets.stream().map(d -> d.spec().text()).toList());
    }

    @Override
    public SampleStream open() throws IOException {
        List<Cursor> cursors = new ArrayList<>();
        try {
            for (StreamedDataset dataset : datasets) {
                cursors.add(new Cursor(dataset));
            }
        } catch (IOException | RuntimeException e) {
            for (Cursor c : cursors) {
                c.close();
            }
            throw e;
        }
        return new SampleStream() {
            int turn;

            @Override
            public Optional<Sample> next() throws IOException, DatasetException {
                for (int tried = 0; tried < cursors.size(); tried++) {
                    Cursor cursor = cursors.get(turn);
                    turn = (turn + 1) % cursors.size();
                    Optional<Sample> sample = cursor.next();
                    if (sample.isPresent()) {
                        return sample;
                    }
                }
                return Optional.empty();
            }

            @Override
            public long skipped() {
                return cursors.stream().mapToLong(c -> c.skippedBefore + c.samples.skipped()).sum();
            }

            @Override
            public void close() throws IOException {
                IOException first = null;
                for (Cursor c : cursors) {
                    try {
                        c.close();
                    } catch (IOException e) {
                        first = first == null ? e : first;
                    }
                }
                if (first != null) {
                    throw first;
                }
            }
        };
    }

    /** One dataset's rows as samples, cycling to reach {@code #N}. */
    private final class Cursor {
        final StreamedDataset dataset;
        final long limit;
        RowReader reader;
        SampleReader samples;
        long produced;
        long producedThisPass;
        long skippedBefore;
        boolean done;

        Cursor(StreamedDataset dataset) throws IOException {
            this.dataset = dataset;
            this.limit = dataset.spec().sampleCount().isPresent() ? dataset.spec().sampleCount().getAsInt()
                    : Long.MAX_VALUE;
            reopen();
        }

        private void reopen() throws IOException {
            if (reader != null) {
                skippedBefore += samples.skipped();
                reader.close();
            }
            reader = dataset.open();
            samples = new SampleReader(reader, detector, strict, placeholders.forSource(dataset.source().name()));
            producedThisPass = 0;
        }

        Optional<Sample> next() throws IOException, DatasetException {
            if (done || produced >= limit) {
                return Optional.empty();
            }
            Optional<Sample> sample = samples.next();
            if (sample.isEmpty() && limit != Long.MAX_VALUE && producedThisPass > 0) {
                reopen();
                sample = samples.next();
            }
            if (sample.isEmpty()) {
                if (produced == 0) {
                    throw new DatasetException(dataset.spec().text(), "the dataset has no rows");
                }
                done = true;
                return Optional.empty();
            }
            produced++;
            producedThisPass++;
            return sample;
        }

        void close() throws IOException {
            reader.close();
        }
    }
}
