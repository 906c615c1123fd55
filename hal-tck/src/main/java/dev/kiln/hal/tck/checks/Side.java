package dev.kiln.hal.tck.checks;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.Slice;

/** Which of the two devices a kernel call runs on: the one under test or the reference. */
public final class Side {

    private final Device device;
    private final boolean reference;

    Side(Device device, boolean reference) {
        this.device = device;
        this.reference = reference;
    }

    /** The device itself, for copies and transfers. */
    public Device device() {
        return device;
    }

    /** The operand's slice on this side. */
    public Slice at(Twin twin) {
        return at(twin, 0);
    }

    /** The slice {@code offset} elements into the operand. */
    public Slice at(Twin twin, long offset) {
        return new Slice(reference ? twin.reference : twin.underTest, twin.guardBefore() + offset);
    }

    @Override
    public String toString() {
        return reference ? "reference" : "device under test";
    }
}
