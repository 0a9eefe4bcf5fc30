package io.ratestack.spring.web;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Small helpers of the filter: bounded keys and client keys fit for logs.
 */
final class Keys {

    /** The key of {@link #forLog}: random per process, so a log's reader cannot confirm a guessed client. */
    private static final SecretKeySpec LOG_KEY = logKey();

    private Keys() {
    }

    /** The SHA-256 digest of a text's UTF-8 bytes. */
    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every JDK has SHA-256", impossible);
        }
    }

    /**
     * A key of at most {@code longest} characters: the key itself, or one longer {@code sha256:} and 43 characters
     * of its base64url SHA-256, so that a client sending huge keys gets small entries.
     */
    static String bounded(String key, int longest) {
        return key.length() <= longest ? key : "sha256:" + base64Sha256(key);
    }

    /** A fixed-size stand-in for a long key: 43 characters of base64url SHA-256. */
    static String base64Sha256(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(text));
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
}
