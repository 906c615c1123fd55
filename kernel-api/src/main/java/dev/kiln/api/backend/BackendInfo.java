package dev.kiln.api.backend;

import dev.kiln.api.tensor.DType;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A description of a {@link Backend} on this machine: what it is, what it can hold, and whether
 * it is usable here; when it is not, the reason says what is missing.
 */
public final class BackendInfo {

    private final String name;
    private final String vendor;
    private final String device;
    private final long memoryBytes;
    private final Set<DType> dtypes;
    private final int preference;
    private final String unavailableReason;

    private BackendInfo(Builder b) {
        this.name = b.name;
        this.vendor = b.vendor;
        this.device = b.device;
        this.memoryBytes = b.memoryBytes;
        this.dtypes = b.dtypes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(b.dtypes));
        this.preference = b.preference;
        this.unavailableReason = b.unavailableReason;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The name the user selects it by ({@code --device}). */
    public String name() { return name; }

    /** Who makes the device or the runtime: "Intel", "NVIDIA", "PoCL". */
    public String vendor() { return vendor; }

    /** The device in words, e.g. the CPU model and its vector width. */
    public String device() { return device; }

    /** Memory the backend can allocate tensors in, in bytes; 0 when unknown. */
    public long memoryBytes() { return memoryBytes; }

    /** The element types its kernels accept. */
    public Set<DType> dtypes() { return dtypes; }

    /** Higher is preferred when the user names no device; accelerators rank above the CPU. */
    public int preference() { return preference; }

    public boolean available() { return unavailableReason == null; }

    /** Why it cannot run here, when it cannot. */
    public Optional<String> unavailableReason() { return Optional.ofNullable(unavailableReason); }

    @Override
    public String toString() {
        return name + (available() ? " (available)" : " (unavailable: " + unavailableReason + ")");
    }

    /** Builds a {@link BackendInfo}. */
    public static final class Builder {
        private final String name;
        private String vendor = "";
        private String device = "";
        private long memoryBytes;
        private Set<DType> dtypes = Set.of();
        private int preference;
        private String unavailableReason;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name);
        }

        public Builder vendor(String vendor) {
            this.vendor = Objects.requireNonNull(vendor);
            return this;
        }

        public Builder device(String device) {
            this.device = Objects.requireNonNull(device);
            return this;
        }

        public Builder memoryBytes(long memoryBytes) {
            if (memoryBytes < 0) {
                throw new IllegalArgumentException("memoryBytes < 0: " + memoryBytes);
            }
            this.memoryBytes = memoryBytes;
            return this;
        }

        public Builder dtypes(Set<DType> dtypes) {
            this.dtypes = Objects.requireNonNull(dtypes);
            return this;
        }

        public Builder preference(int preference) {
            this.preference = preference;
            return this;
        }

        /** Marks the backend unusable here, saying what is missing. */
        public Builder unavailable(String reason) {
            this.unavailableReason = Objects.requireNonNull(reason);
            return this;
        }

        public BackendInfo build() {
            return new BackendInfo(this);
        }
    }
}
