package dev.kiln.core.data;

/**
 * Where training is in the data: the epoch and how many of its batches were consumed. The
 * trainer saves it with a checkpoint and hands it back to {@link BatchSource#epoch} to resume;
 * the batches after it are then the same as in an uninterrupted run.
 *
 * @param epoch the epoch, from 0
 * @param batchesDone the batches of that epoch already consumed
 */
public record DataPosition(int epoch, long batchesDone) {

    public DataPosition {
        if (epoch < 0 || batchesDone < 0) {
            throw new IllegalArgumentException("data position " + epoch + "/" + batchesDone
                    + ": epoch and batch must not be negative");
        }
    }

    /** The start of training. */
    public static DataPosition start() {
        return new DataPosition(0, 0);
    }
}
