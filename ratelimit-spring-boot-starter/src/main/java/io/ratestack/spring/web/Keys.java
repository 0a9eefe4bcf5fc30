package io.ratestack.spring.web;

import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Small helpers of the filter: bounded keys, client keys fit for logs, and telling a client that hung up from a
 * failing handler.
 */
final class Keys {

    /** The key of {@link #forLog}: random per process, so a log's reader cannot confirm a guessed client. */
    private static final SecretKeySpec LOG_KEY = logKey();

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
     * A client key as logs name it: 12 hex digits of its HMAC-SHA256 under a key drawn at random when the process
     * starts. Within one process a client has one name, so its refusals can be followed; a reader of the log cannot
     * tell whose key it is by hashing a guessed address, as a plain hash would let them.
     */
    static String forLog(String clientKey) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(LOG_KEY);
            return HexFormat.of().formatHex(mac.doFinal(clientKey.getBytes(StandardCharsets.UTF_8)), 0, 6);
        } catch (GeneralSecurityException impossible) {
            throw new IllegalStateException("every JDK has HmacSHA256", impossible);
        }
    }

    private static SecretKeySpec logKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return new SecretKeySpec(key, "HmacSHA256");
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
