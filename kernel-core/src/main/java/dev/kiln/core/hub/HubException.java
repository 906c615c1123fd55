package dev.kiln.core.hub;

/**
 * A model could not be had from a hub or its cache: access denied, no such model, revision or
 * file, a download that failed its size or hash check, an unreachable endpoint. The message says
 * which, naming the model, the file or the URL, and what the user can do about it.
 */
public final class HubException extends RuntimeException {

    public HubException(String message) {
        super(message);
    }

    public HubException(String message, Throwable cause) {
        super(message, cause);
    }
}
