package dev.kiln.core.train.job;

import dev.kiln.core.infer.ChatModelFactory;
import dev.kiln.core.plugins.InstalledPlugins;
import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.ChatTemplateEngine;
import dev.kiln.api.data.DatasetSource;
import dev.kiln.api.data.RowFormat;
import dev.kiln.api.model.ModelFamily;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.tokenizer.TokenizerFactory;
import dev.kiln.api.tuner.Tuner;
import dev.kiln.api.weights.WeightFormat;
import dev.kiln.core.backend.BackendRegistry;
import dev.kiln.core.tensor.TensorEngine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The services a training, export or adapter-loading command puts together, as its DS component
 * received them: backends and the engine, model families and weight formats, tokenizers and chat
 * templates, tuners by name, dataset sources and row formats.
 */
public record TrainingServices(BackendRegistry backends, TensorEngine engine,
        List<ModelFamily> families, List<WeightFormat> formats, List<TokenizerFactory> tokenizers,
        Optional<ChatTemplateEngine> templateEngine, Map<String, ChatTemplate> builtinTemplates,
        Map<String, Tuner> tuners, List<DatasetSource> datasetSources, List<RowFormat> rowFormats) {

    public TrainingServices {
        families = List.copyOf(families);
        formats = List.copyOf(formats);
        tokenizers = List.copyOf(tokenizers);
        builtinTemplates = new TreeMap<>(builtinTemplates);
        tuners = new TreeMap<>(tuners);
        datasetSources = List.copyOf(datasetSources);
        rowFormats = List.copyOf(rowFormats);
    }

    /** What the installed plugins offer now, with the backends and the engine. */
    public static TrainingServices of(BackendRegistry backends, TensorEngine engine,
            InstalledPlugins plugins) {
        return new TrainingServices(backends, engine, plugins.families(), plugins.formats(),
                plugins.tokenizers(), plugins.templateEngine(), plugins.builtinTemplates(),
                plugins.tuners(), plugins.datasetSources(), plugins.rowFormats());
    }

    /**
     * The tuner of {@code --train_type}.
     *
     * @throws IllegalArgumentException naming the installed tuners
     */
    public Tuner tuner(String name) {
        Tuner tuner = tuners.get(name);
        if (tuner == null) {
            throw new IllegalArgumentException("--train_type " + name + ": no such tuner is installed;"
                    + " installed: " + (tuners.isEmpty() ? "none (no plugins-tuners bundle)"
                            : String.join(", ", tuners.keySet())));
        }
        return tuner;
    }

    /** The weight format that writes safetensors files. */
    public WeightFormat safetensors() {
        return formats.stream().filter(f -> f.name().equals("safetensors")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no safetensors weight format is"
                        + " installed: checkpoints cannot be written"));
    }

    /** What loads tokenizers and chooses chat templates, as for {@code kiln infer}. */
    public ChatModelFactory chatModels() {
        return new ChatModelFactory(families, formats, tokenizers, templateEngine, builtinTemplates);
    }

    /** The tokenizer of a model directory. */
    public Tokenizer tokenizer(Path location) throws IOException {
        return chatModels().tokenizer(location);
    }

    /** The user's built-in template, else the model's own, else {@code default}. */
    public ChatTemplate chatTemplate(Path location, Tokenizer tokenizer, String name) throws IOException {
        return chatModels().chatTemplate(location, tokenizer, name).template();
    }
}
