package dev.kiln.core.data;

import java.util.List;
import java.util.Optional;

/**
 * A run's data, ready for the training loop.
 *
 * @param train the training batches
 * @param validation the eval batches, when there is a validation set
 * @param reports what each dataset gave
 * @param trainStats what encoding the training set did; for a streamed set it fills as the
 *     epochs read ({@link StreamingBatcher#stats()})
 * @param validationStats what encoding the validation set did
 * @param skippedRows the first malformed rows skipped under {@code --strict false}
 */
public record PreparedData(BatchSource train, Optional<BatchSource> validation, List<DatasetReport> reports,
        EncodeStats trainStats, EncodeStats validationStats, List<String> skippedRows) {

    public PreparedData {
        reports = List.copyOf(reports);
        skippedRows = List.copyOf(skippedRows);
    }
}
