package io.ratestack.spring.client;

import io.ratestack.client.RequestKey;
import io.ratestack.client.RequestPacer;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * A server whose requests are paced: the requests under {@code baseUrl} share its {@link RequestPacer}.
 *
 * @param name the target's name, for messages
 * @param baseUrl requests to this scheme, host and port, under this path, are paced
 * @param pacer the pacer
 * @param key which requests share a per-key limiter
 * @param maxWait how long a request waits for a slot at most, unless it says otherwise
 */
public record PacedTarget(String name, URI baseUrl, RequestPacer pacer, RequestKey key, Duration maxWait) {

    /** @throws NullPointerException if a value is missing */
    public PacedTarget {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(pacer, "pacer");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(maxWait, "maxWait");
    }

    /**
     * Whether a request to {@code uri} goes to this target.
     *
     * @param uri the request's URI
     * @return whether it is paced by this target
     */
    public boolean matches(URI uri) {
        if (!eq(uri.getScheme(), baseUrl.getScheme()) || !eq(uri.getHost(), baseUrl.getHost())
                || port(uri) != port(baseUrl)) {
            return false;
        }
        String base = baseUrl.getRawPath() == null ? "" : baseUrl.getRawPath();
        if (base.isEmpty() || base.equals("/")) {
            return true;
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String prefix = base.endsWith("/") ? base : base + "/";
        return path.equals(base) || path.startsWith(prefix);
    }

    private static boolean eq(String a, String b) {
        return a == null ? b == null : b != null && a.toLowerCase(Locale.ROOT).equals(b.toLowerCase(Locale.ROOT));
    }

    private static int port(URI uri) {
        if (uri.getPort() >= 0) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }
}
