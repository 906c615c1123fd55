package dev.kiln.core.infer;

import dev.kiln.core.hub.DownloadListener;
import java.io.PrintStream;
import java.util.Locale;

/** Prints a model download's progress: a line per file, updated at most every 10%. */
public final class DownloadProgress implements DownloadListener {

    private final PrintStream out;
    private int lastTenth = -1;

    public DownloadProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public synchronized void started(String file, long done, long total) {
        lastTenth = -1;
        out.println("kiln: downloading " + file + " (" + mib(total) + ")"
                + (done > 0 ? ", resuming at " + mib(done) : ""));
    }

    @Override
    public synchronized void progress(String file, long done, long total) {
        int tenth = total > 0 ? (int) (done * 10 / total) : 0;
        if (tenth > lastTenth && tenth < 10) {
            lastTenth = tenth;
            out.printf(Locale.ROOT, "kiln:   %s %3d%%%n", file, tenth * 10);
        }
    }

    @Override
    public synchronized void finished(String file) {
        out.println("kiln:   " + file + " done");
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }
}
