package dev.kiln.serving.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.model.WrappedLinearLayer;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tuner.Tuner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The adapters served over one base model (multi-LoRA): each is loaded by its tuner
 * ({@link Tuner#load}) onto stand-ins of the base layers ({@link ZeroLinear}), so what the tuner
 * wraps around them computes the adapter's delta alone; the deltas are then kept, per layer, in
 * a {@link RoutedLinear} that the model runs instead of the base layer. DoRA adapters, which
 * rescale the base output, load onto the base layers themselves and keep the difference. The
 * base model's weights are shared and left as they are. Engine thread only.
 */
final class Adapters {

    /** The adapter id of a row that uses the base model alone. */
    static final int BASE = -1;

    private final CausalLM model;
    private final TensorOps ops;
    private final AdapterRouting routing = new AdapterRouting();
    private final Map<String, RoutedLinear> routers = new LinkedHashMap<>();
    private int nextId;

    Adapters(CausalLM model, TensorOps ops) {
        this.model = model;
        this.ops = ops;
    }

    AdapterRouting routing() {
        return routing;
    }

    /**
     * Loads an adapter directory with {@code tuner}; returns its id.
     *
     * @throws IOException, IllegalArgumentException as {@link Tuner#load} does
     */
    int load(Tuner tuner, Path directory) throws IOException {
        installRouters();
        int id = nextId++;
        boolean additive = !scalesTheBase(directory);
        Map<String, LinearLayer> standIns = new LinkedHashMap<>();
        routers.forEach((name, router) -> {
            LinearLayer standIn = additive ? new ZeroLinear(ops, router.base()) : router.base();
            standIns.put(name, standIn);
            model.wrapLinear(name, current -> standIn);
        });
        boolean loaded = false;
        try {
            tuner.load(model, directory, ops);
            loaded = true;
        } finally {
            for (Map.Entry<String, RoutedLinear> e : routers.entrySet()) {
                LinearLayer now = model.linearLayers().get(e.getKey());
                if (loaded && now != standIns.get(e.getKey())) {
                    e.getValue().put(id, additive ? now : new Difference(ops, now, e.getValue().base()));
                }
                model.wrapLinear(e.getKey(), current -> e.getValue());
            }
        }
        return id;
    }

    /**
     * Whether the adapter's layers rescale the base output rather than add to it: DoRA
     * ({@code "use_dora": true}) multiplies {@code x Wᵀ} by its magnitude over the weight's norm,
     * so its layer cannot run over a zero stand-in; it runs over the base itself and keeps
     * {@code adapter(x) - base(x)}, at the cost of a second base product for its rows.
     */
    private static boolean scalesTheBase(Path directory) throws IOException {
        Path config = directory.resolve("adapter_config.json");
        if (!Files.isRegularFile(config)) {
            return false; // the tuner reports what is missing
        }
        JsonNode useDora = JSON.readTree(config.toFile()).path("use_dora");
        return useDora.isBoolean() && useDora.booleanValue();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** An adapter layer's output less its base's: what it adds for the rows that use it. */
    private static final class Difference extends WrappedLinearLayer {
        private final TensorOps ops;
        private final LinearLayer adapter;

        Difference(TensorOps ops, LinearLayer adapter, LinearLayer base) {
            super(base);
            this.ops = ops;
            this.adapter = adapter;
        }

        @Override
        public Tensor forward(Tensor x) {
            return ops.sub(adapter.forward(x), base().forward(x));
        }
    }

    /**
     * Puts the base layers back in the model, as it was before the first adapter: another
     * engine can serve it afterwards with routers of its own.
     */
    void close() {
        routers.forEach((name, router) -> model.wrapLinear(name, current -> router.base()));
        routers.clear();
    }

    /** Drops an adapter's deltas; rows must no longer use it. */
    void unload(int id) {
        routers.values().forEach(router -> router.remove(id));
    }

    private void installRouters() {
        if (!routers.isEmpty()) {
            return;
        }
        for (String name : List.copyOf(model.linearLayers().keySet())) {
            model.wrapLinear(name, base -> {
                RoutedLinear router = new RoutedLinear(ops, base, routing);
                routers.put(name, router);
                return router;
            });
        }
    }
}
