package dev.kiln.serving.engine;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tuner.Tuner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The adapters served over one base model (multi-LoRA): each is loaded by its tuner
 * ({@link Tuner#load}) onto stand-ins of the base layers ({@link ZeroLinear}), so what the tuner
 * wraps around them computes the adapter's delta alone; the deltas are then kept, per layer, in
 * a {@link RoutedLinear} that the model runs instead of the base layer. The base model's
 * weights are shared and left as they are. Engine thread only.
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
        Map<String, ZeroLinear> standIns = new LinkedHashMap<>();
        routers.forEach((name, router) -> {
            ZeroLinear standIn = new ZeroLinear(ops, router.base());
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
                    e.getValue().put(id, now);
                }
                model.wrapLinear(e.getKey(), current -> e.getValue());
            }
        }
        return id;
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
