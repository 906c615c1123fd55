package dev.kiln.core.model;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.ModelConfig;
import dev.kiln.api.model.ModelFamily;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.weights.TensorInfo;
import dev.kiln.api.weights.WeightFormat;
import dev.kiln.api.weights.WeightSource;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Loads a Hugging Face style checkpoint into a model: picks the {@link WeightFormat} that can
 * open the location (a model directory or a single file), reads the configuration (config.json
 * beside the weights, else what the checkpoint carries, as GGUF metadata), picks the
 * {@link ModelFamily} by {@code architectures} (then {@code model_type}), builds the model and
 * fills every parameter by its Hugging Face name from the memory-mapped tensors, converting to
 * the weights' dtype on the device. Nothing holds a whole checkpoint on the heap.
 *
 * <p>The families and formats are plain lists, so a DS component can hand over the services it
 * has and a test the instances it made.
 */
public final class ModelLoader {

    /** The config.json key that tells the family which dtype its weights take. */
    public static final String TORCH_DTYPE = "torch_dtype";

    private final List<ModelFamily> families;
    private final List<WeightFormat> formats;

    public ModelLoader(List<ModelFamily> families, List<WeightFormat> formats) {
        this.families = List.copyOf(families);
        this.formats = List.copyOf(formats);
    }

    /** Loads {@code location} with its weights in the dtype {@code auto} picks. */
    public LoadedModel load(Path location, TensorOps ops) throws IOException {
        return load(location, ops, TorchDtype.AUTO);
    }

    /**
     * Loads {@code location} onto {@code ops}' device.
     *
     * @param dtype the weights' dtype; {@link TorchDtype#AUTO} keeps a BF16 or F16 checkpoint
     *     in its dtype and loads anything else as F32
     * @throws IOException naming the location (and the tensor) when no format can open it, it
     *     has no configuration, a tensor the model needs is missing, has another shape or is
     *     truncated
     * @throws IllegalArgumentException when no installed family serves the architecture, or the
     *     configuration lacks a key the family needs (naming the file and the key)
     */
    public LoadedModel load(Path location, TensorOps ops, TorchDtype dtype) throws IOException {
        Objects.requireNonNull(ops, "ops");
        Objects.requireNonNull(dtype, "dtype");
        if (!Files.exists(location)) {
            throw new IOException(location + ": no such file or directory");
        }
        WeightFormat format = formatFor(location);
        try (WeightSource source = format.open(location)) {
            ModelConfig config = configOf(location, source, format);
            ModelFamily family = familyFor(config);
            DType weights = dtype.dtype().orElseGet(() -> storedDtype(source));
            config = ConfigFiles.with(config, TORCH_DTYPE, TorchDtype.of(weights).label());
            CausalLM model = family.createForLoading(config, ops);
            try {
                Set<String> unused = new LinkedHashSet<>(source.tensors().keySet());
                for (Map.Entry<String, Tensor> parameter : model.parameters().entrySet()) {
                    fill(source, family, config, parameter.getKey(), parameter.getValue(), ops);
                    unused.remove(parameter.getKey());
                }
                List<String> warnings = new ArrayList<>();
                for (String name : unused) {
                    warnings.add(source.location() + ": ignored tensor '" + name
                            + "', which the model does not use");
                }
                return new LoadedModel(model, config, location, family.name(), format.name(),
                        ModelSummary.of(model.parameters().values()), warnings);
            } catch (IOException | RuntimeException e) {
                model.parameters().values().forEach(Tensor::close);
                throw e;
            }
        }
    }

    /** Whether an installed weight format can open {@code location}: it holds weights. */
    public boolean hasWeights(Path location) {
        return formats.stream().anyMatch(f -> f.canOpen(location));
    }

    /**
     * Builds the model that config.json in {@code directory} describes, its parameters F32 and
     * initialized as its family initializes them, from {@code seed}: a model to pretrain from
     * scratch, from a directory that holds a configuration (and a tokenizer) but no weights.
     *
     * @throws IOException naming the directory when it has no config.json, or the file when it
     *     cannot be read
     * @throws IllegalArgumentException when no installed family serves the architecture, or the
     *     configuration lacks a key the family needs
     */
    public LoadedModel create(Path directory, TensorOps ops, long seed) throws IOException {
        Optional<Path> file = ConfigFiles.beside(directory);
        if (file.isEmpty()) {
            throw new IOException(directory + ": no " + ConfigFiles.CONFIG_JSON
                    + " to build a model from");
        }
        ModelConfig config = ConfigFiles.with(ConfigFiles.read(file.get()), TORCH_DTYPE,
                TorchDtype.FLOAT32.label());
        ModelFamily family = familyFor(config);
        CausalLM model = family.create(config, ops, seed);
        return new LoadedModel(model, config, directory, family.name(),
                "none (initialized from " + ConfigFiles.CONFIG_JSON + ", seed " + seed + ")",
                ModelSummary.of(model.parameters().values()), List.of());
    }

    private WeightFormat formatFor(Path location) throws IOException {
        for (WeightFormat format : formats) {
            if (format.canOpen(location)) {
                return format;
            }
        }
        StringJoiner installed = new StringJoiner(", ");
        formats.forEach(f -> installed.add(f.name()));
        throw new IOException(location + ": no installed weight format can open it (installed: "
                + (formats.isEmpty() ? "none" : installed) + ")");
    }

    private static ModelConfig configOf(Path location, WeightSource source, WeightFormat format)
            throws IOException {
        Optional<Path> file = ConfigFiles.beside(location);
        if (file.isPresent()) {
            return ConfigFiles.read(file.get());
        }
        Optional<Map<String, Object>> carried = source.modelConfig();
        if (carried.isPresent()) {
            return ConfigFiles.of(carried.get(), source.location() + " (model configuration)");
        }
        throw new IOException(location + ": no " + ConfigFiles.CONFIG_JSON + " beside it, and the "
                + format.name() + " checkpoint carries no model configuration");
    }

    /** The family serving the first of {@code architectures} any family serves, else model_type. */
    ModelFamily familyFor(ModelConfig config) {
        for (String architecture : config.architectures()) {
            for (ModelFamily family : families) {
                if (family.architectures().contains(architecture)) {
                    return family;
                }
            }
        }
        Optional<String> modelType = config.modelType();
        if (modelType.isPresent()) {
            for (ModelFamily family : families) {
                if (family.modelTypes().contains(modelType.get())) {
                    return family;
                }
            }
        }
        StringJoiner installed = new StringJoiner("; ");
        for (ModelFamily family : families) {
            installed.add(family.name() + " (architectures " + String.join(", ", family.architectures())
                    + "; model types " + String.join(", ", family.modelTypes()) + ")");
        }
        String wanted = config.architectures().isEmpty() && modelType.isEmpty()
                ? "neither 'architectures' nor 'model_type' is set"
                : "architecture " + (config.architectures().isEmpty() ? "(none)"
                        : String.join(", ", config.architectures()))
                        + ", model_type " + modelType.orElse("(none)");
        throw new IllegalArgumentException(config.origin() + ": no installed model family serves "
                + "it: " + wanted + ". Installed: " + (families.isEmpty() ? "none" : installed));
    }

    /** BF16 or F16 when most of the stored floating-point values are; F32 otherwise. */
    private static DType storedDtype(WeightSource source) {
        Map<DType, Long> counts = new EnumMap<>(DType.class);
        for (TensorInfo info : source.tensors().values()) {
            if (info.dtype().isFloatingPoint()) {
                counts.merge(info.dtype(), info.shape().numel(), Long::sum);
            }
        }
        DType most = counts.entrySet().stream().max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey).orElse(DType.F32);
        return most == DType.BF16 || most == DType.F16 ? most : DType.F32;
    }

    private static void fill(WeightSource source, ModelFamily family, ModelConfig config,
            String name, Tensor parameter, TensorOps ops) throws IOException {
        TensorInfo info = source.tensors().get(name);
        String architecture = config.architectures().isEmpty() ? family.name()
                : config.architectures().getFirst();
        if (info == null) {
            throw new IOException(source.location() + ": no tensor '" + name + "', which "
                    + architecture + " (" + config.origin() + ") needs as " + parameter.shape());
        }
        Shape want = parameter.shape();
        if (!info.shape().equals(want)) {
            throw new IOException(source.location() + ": tensor '" + name + "' is "
                    + info.shape() + ", but " + architecture + " (" + config.origin()
                    + ") needs " + want);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment values = source.values(name, arena);
            long expected = want.numel() * info.dtype().byteSize();
            if (values.byteSize() != expected) {
                throw new IOException(source.location() + ": tensor '" + name + "' has "
                        + values.byteSize() + " bytes of data, but " + info.dtype() + want
                        + " takes " + expected + " (truncated or corrupt)");
            }
            ops.copyFrom(parameter, values, info.dtype());
        } catch (IllegalArgumentException e) {
            throw new IOException(source.location() + ": tensor '" + name + "' (" + info
                    + "): " + e.getMessage(), e);
        }
    }
}
