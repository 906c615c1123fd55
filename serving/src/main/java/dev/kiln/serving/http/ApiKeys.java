package dev.kiln.serving.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The API keys a server accepts in {@code Authorization: Bearer <key>}. A key is checked against
 * every accepted key by comparing SHA-256 digests with {@link MessageDigest#isEqual} (constant
 * time), so neither the time taken nor an early exit tells a client how much of a key it got
 * right, or how long the keys are.
 */
public final class ApiKeys {

    private final List<byte[]> digests = new ArrayList<>();

    /** @param keys the accepted keys; none means every request is let in */
    public ApiKeys(List<String> keys) {
        for (String key : keys) {
            if (key.isBlank()) {
                throw new IllegalArgumentException("an API key must not be blank");
            }
            digests.add(sha256(key));
        }
    }

    /** Whether keys are required at all. */
    public boolean required() {
        return !digests.isEmpty();
    }

    /** Whether the Authorization header's value (or null) carries an accepted key. */
    public boolean accepts(String authorization) {
        if (!required()) {
            return true;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = sha256(authorization.substring(7).strip());
        boolean match = false;
        for (byte[] digest : digests) {
            match |= MessageDigest.isEqual(digest, given); // no early exit: every key is compared
        }
        return match;
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
