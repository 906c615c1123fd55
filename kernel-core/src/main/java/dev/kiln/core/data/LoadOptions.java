package dev.kiln.core.data;

import dev.kiln.api.data.DatasetSpec;
import java.util.List;
import java.util.Objects;

/**
 * Which datasets to load and how, in ms-swift's terms.
 *
 * @param datasets {@code --dataset}: specs {@code id_or_path[:subset][#N]}, mixed into one
 *     training set
 * @param valDatasets {@code --val_dataset}: specs read whole into the validation set
 * @param splitDatasetRatio {@code --split_dataset_ratio}: the share of each training dataset
 *     (after {@code #N}) moved to validation, at least one row when above 0
 * @param seed {@code --data_seed} / {@code --seed}: {@code #N} sampling and the split
 * @param strict {@code --strict}: a malformed row stops loading (true, the default) or is skipped
 *     and counted (false)
 * @param modelName {@code --model_name}: replaces {@code {{NAME}}} in the rows (built-in
 *     self-cognition), the Chinese name then the English one; one name serves both
 * @param modelAuthor {@code --model_author}: replaces {@code {{AUTHOR}}}, likewise
 */
public record LoadOptions(List<DatasetSpec> datasets, List<DatasetSpec> valDatasets,
        double splitDatasetRatio, long seed, boolean strict, List<String> modelName, List<String> modelAuthor) {

    public LoadOptions {
        datasets = List.copyOf(datasets);
        valDatasets = List.copyOf(valDatasets);
        modelName = List.copyOf(modelName);
        modelAuthor = List.copyOf(modelAuthor);
        if (!(splitDatasetRatio >= 0 && splitDatasetRatio < 1)) {
            throw new IllegalArgumentException("--split_dataset_ratio " + splitDatasetRatio
                    + ": must be at least 0 and below 1");
        }
        if (modelName.size() > 2 || modelAuthor.size() > 2) {
            throw new IllegalArgumentException("--model_name and --model_author take one or two values"
                    + " (Chinese, English)");
        }
    }

    /**
     * The training datasets {@code specs} with ms-swift's defaults: no validation split, seed 42,
     * strict.
     *
     * @throws IllegalArgumentException for a spec that does not parse ({@code #0}), quoting it
     */
    public static LoadOptions of(List<String> specs) {
        return new LoadOptions(parse(specs), List.of(), 0, 42, true, List.of(), List.of());
    }

    public LoadOptions withValDatasets(List<String> specs) {
        return new LoadOptions(datasets, parse(specs), splitDatasetRatio, seed, strict, modelName, modelAuthor);
    }

    public LoadOptions withSplitDatasetRatio(double value) {
        return new LoadOptions(datasets, valDatasets, value, seed, strict, modelName, modelAuthor);
    }

    public LoadOptions withSeed(long value) {
        return new LoadOptions(datasets, valDatasets, splitDatasetRatio, value, strict, modelName, modelAuthor);
    }

    public LoadOptions withStrict(boolean value) {
        return new LoadOptions(datasets, valDatasets, splitDatasetRatio, seed, value, modelName, modelAuthor);
    }

    public LoadOptions withModelName(List<String> value) {
        return new LoadOptions(datasets, valDatasets, splitDatasetRatio, seed, strict, value, modelAuthor);
    }

    public LoadOptions withModelAuthor(List<String> value) {
        return new LoadOptions(datasets, valDatasets, splitDatasetRatio, seed, strict, modelName, value);
    }

    private static List<DatasetSpec> parse(List<String> specs) {
        Objects.requireNonNull(specs, "specs");
        return specs.stream().map(DatasetSpec::parse).toList();
    }
}
