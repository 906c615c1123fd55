package dev.kiln.core.data;

import dev.kiln.api.data.Sample;
import java.util.List;

/**
 * The datasets of a run in memory: training samples mixed from every {@code --dataset}, validation
 * samples from the split and {@code --val_dataset}, and a report per dataset.
 *
 * @param skippedRows the first few malformed rows skipped under {@code --strict false}, with why
 */
public record LoadedDatasets(List<Sample> train, List<Sample> validation, List<DatasetReport> reports,
        List<String> skippedRows) {

    public LoadedDatasets {
        train = List.copyOf(train);
        validation = List.copyOf(validation);
        reports = List.copyOf(reports);
        skippedRows = List.copyOf(skippedRows);
    }
}
