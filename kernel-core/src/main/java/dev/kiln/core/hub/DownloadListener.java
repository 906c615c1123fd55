package dev.kiln.core.hub;

/**
 * Follows a model download, file by file, so a command line can draw progress bars. Calls come
 * from the downloading threads, one file at a time; the default methods do nothing.
 */
public interface DownloadListener {

    /** Ignores everything. */
    DownloadListener NONE = new DownloadListener() {};

    /**
     * A file starts (or resumes) downloading.
     *
     * @param done bytes already there from an interrupted download
     * @param total its size in bytes, or -1 when the hub did not say
     */
    default void started(String file, long done, long total) {}

    /** More of {@code file} arrived: {@code done} of {@code total} bytes. */
    default void progress(String file, long done, long total) {}

    /** {@code file} is complete and verified. */
    default void finished(String file) {}
}
