package dev.kiln.serving.openai;

import java.security.SecureRandom;

/** Response ids as OpenAI makes them: a prefix and random letters and digits. */
final class Ids {

    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {}

    static String next(String prefix) {
        StringBuilder id = new StringBuilder(prefix);
        for (int i = 0; i < 24; i++) {
            id.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return id.toString();
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }
}
