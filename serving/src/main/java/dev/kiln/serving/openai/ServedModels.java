package dev.kiln.serving.openai;

import dev.kiln.serving.http.ApiError;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The models a server answers for, by the name a request's {@code model} gives. */
public final class ServedModels {

    private final Map<String, ServedModel> byName = Collections.synchronizedMap(new LinkedHashMap<>());

    public void add(ServedModel model) {
        if (byName.putIfAbsent(model.name(), model) != null) {
            throw new IllegalArgumentException("two models are served as '" + model.name() + "'");
        }
    }

    /** Stops serving {@code name}; returns what was served under it, or null. */
    public ServedModel remove(String name) {
        return byName.remove(name);
    }

    /** @throws ApiError 404 when no model of that name is served */
    public ServedModel get(String name) {
        ServedModel model = byName.get(name);
        if (model == null) {
            throw ApiError.modelNotFound(name);
        }
        return model;
    }

    public Collection<ServedModel> all() {
        synchronized (byName) {
            return List.copyOf(byName.values());
        }
    }
}
