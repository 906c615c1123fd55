package dev.kiln.serving.engine;

/** The engine's queue has no room for more submissions: the server answers 429. */
public final class QueueFullException extends Exception {

    public QueueFullException(String message) {
        super(message);
    }
}
