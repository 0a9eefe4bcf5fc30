package io.ratestack.spring.web;

import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Small helpers of the filter: bounded keys, and telling a client that hung up from a failing handler. */
final class Keys {

    private static final Set<String> DISCONNECTED = Set.of("ClientAbortException", "EofException",
            "AbortedException", "AsyncRequestNotUsableException");

    private Keys() {
    }

    /** A fixed-size stand-in for a long key: 43 characters of base64url SHA-256. */
    static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every JDK has SHA-256", impossible);
        }
    }

    /**
     * Whether {@code failure} says the client went away (the response could not be written), rather than that the
     * handler failed: the servers' own exception types, or a broken pipe or reset connection somewhere in the chain.
     */
    static boolean isClientDisconnect(@Nullable Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (DISCONNECTED.contains(cause.getClass().getSimpleName()) || cause instanceof EOFException) {
                return true;
            }
            String message = cause.getMessage();
            if (message != null) {
                String lower = message.toLowerCase(Locale.ROOT);
                if (lower.contains("broken pipe") || lower.contains("connection reset by peer")) {
                    return true;
                }
            }
        }
        return false;
    }
}
