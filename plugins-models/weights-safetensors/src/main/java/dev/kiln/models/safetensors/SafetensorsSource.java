package dev.kiln.models.safetensors;

import dev.kiln.api.weights.TensorInfo;
import dev.kiln.api.weights.WeightSource;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An opened safetensors checkpoint, one file or several shards, all memory-mapped into one shared
 * arena: {@link #data} segments may be read from any thread and stay valid until {@link #close}.
 */
final class SafetensorsSource implements WeightSource {

    /** A tensor and the file that holds it. */
    private record Located(SafetensorsFile file, Slice slice) {
    }

    private final Path location;
    private final Arena arena;
    private final Map<String, Located> located;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, Object> metadata;
    private volatile boolean closed;

    private SafetensorsSource(Path location, Arena arena, Map<String, Located> located,
            Map<String, Object> metadata) {
        this.location = location;
        this.arena = arena;
        this.located = located;
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        located.forEach((name, l) -> infos.put(name, l.slice().info()));
        this.tensors = Collections.unmodifiableMap(infos);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Opens one {@code .safetensors} file; {@code location} is what the caller named. */
    static SafetensorsSource openSingle(Path location, Path file) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            SafetensorsFile opened = SafetensorsFile.open(file, arena);
            Map<String, Located> located = new LinkedHashMap<>();
            opened.header().tensors().forEach((name, slice) ->
                    located.put(name, new Located(opened, slice)));
            return new SafetensorsSource(location, arena, located,
                    new LinkedHashMap<>(opened.header().metadata()));
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Opens the shards {@code index} names. The index is authoritative: its tensors are exposed,
     * each from its shard; a shard's extra tensors are ignored.
     */
    static SafetensorsSource openSharded(Path location, Path indexFile) throws IOException {
        ShardIndex index = ShardIndex.read(indexFile);
        Path directory = indexFile.toAbsolutePath().getParent();
        Arena arena = Arena.ofShared();
        try {
            Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
            Map<String, Located> located = new LinkedHashMap<>();
            Map<String, Object> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, String> entry : index.weightMap().entrySet()) {
                String tensor = entry.getKey();
                SafetensorsFile shard = shards.get(entry.getValue());
                if (shard == null) {
                    Path shardPath = directory.resolve(entry.getValue());
                    if (!Files.isRegularFile(shardPath)) {
                        throw new IOException(indexFile + ": tensor '" + tensor + "' is in shard "
                                + shardPath + ", which does not exist");
                    }
                    shard = SafetensorsFile.open(shardPath, arena);
                    shards.put(entry.getValue(), shard);
                    metadata.putAll(shard.header().metadata());
                }
                Slice slice = shard.header().tensors().get(tensor);
                if (slice == null) {
                    throw new IOException(indexFile + ": tensor '" + tensor + "' is missing from "
                            + "its shard " + shard.path());
                }
                located.put(tensor, new Located(shard, slice));
            }
            metadata.putAll(index.metadata());
            return new SafetensorsSource(location, arena, located, metadata);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public Path location() {
        return location;
    }

    @Override
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /**
     * The {@code __metadata__} strings of the file; for a sharded checkpoint those of every shard,
     * then the index's {@code metadata} ({@code total_size}, ...) as JSON values.
     */
    @Override
    public Map<String, Object> metadata() {
        return metadata;
    }

    /**
     * A read-only view of the mapped bytes. Every tensor was checked to lie inside its file when
     * the checkpoint was opened, so reading it cannot fail short of the file shrinking underneath.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public MemorySegment data(String name) {
        if (closed) {
            throw new IllegalStateException(location + " is closed");
        }
        Located l = located.get(name);
        if (l == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in " + location);
        }
        return l.file().bytes(l.slice());
    }

    /** Unmaps every file; segments from {@link #data} may no longer be read. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
