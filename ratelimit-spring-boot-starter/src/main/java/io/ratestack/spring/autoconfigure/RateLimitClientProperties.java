package io.ratestack.spring.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Pacing of the application's own outgoing requests (RestClient, WebClient), per target server, under
 * {@code ratelimit.client}.
 */
@ConfigurationProperties(prefix = "ratelimit.client")
public class RateLimitClientProperties {

    /** Whether to pace the requests of auto-configured `RestClient.Builder` and `WebClient.Builder`. */
    private boolean enabled = true;

    /**
     * The servers whose requests are paced, by a name of your choice; requests to other servers are not. Each
     * target has `base-url` (required), `global` and `per-path` (limits, at least one of the two, each with
     * `limit`, `per`, `reset-offset`, `name` and `stacked`), `key` (`path` or `host-and-path`),
     * `refund-statuses` (`[500]`), `honour-retry-after` (`true`), `max-wait` (`1m`) and `maximum-keys`
     * (`10000`).
     */
    private Map<String, Target> targets = new LinkedHashMap<>();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Map<String, Target> getTargets() {
        return targets;
    }

    public void setTargets(Map<String, Target> targets) {
        this.targets = targets;
    }

    /**
     * The limits of a scope of paced requests: one times-per limit, and optionally more stacked on it (every one must
     * admit). A pacer's windows start when a request is sent, as the server's may.
     */
    public static class PacedScope extends RateLimitProperties.TimesPerLimit {

        /** More limits that must admit too. Each item has `limit`, `per`, `reset-offset` and `name`. */
        private List<RateLimitProperties.TimesPerLimit> stacked = new ArrayList<>();

        public List<RateLimitProperties.TimesPerLimit> getStacked() {
            return stacked;
        }

        public void setStacked(List<RateLimitProperties.TimesPerLimit> stacked) {
            this.stacked = stacked;
        }
    }

    /** One server whose requests are paced. */
    public static class Target {

        /** Requests under this URL (scheme, host, port and path prefix) are paced, such as `http://localhost:8000`. */
        private @Nullable URI baseUrl;

        /** Limits every request to this server must fit. */
        private @Nullable PacedScope global;

        /** Limits of each path (or host and path, see `key`) on its own. */
        private @Nullable PacedScope perPath;

        /** What a per-path limiter is keyed by: `path` or `host-and-path`. */
        private io.ratestack.client.RequestKey key = io.ratestack.client.RequestKey.PATH;

        /** Response statuses whose use is refunded: `500`, `5xx`, `500-504`. I/O errors always are. */
        private List<String> refundStatuses = new ArrayList<>(List.of("500"));

        /** Whether a 429 with `Retry-After` holds back every request to this server until then. */
        private boolean honourRetryAfter = true;

        /** How long a request waits for a slot at most before it fails unsent, with a unit. */
        private Duration maxWait = Duration.ofMinutes(1);

        /** How many paths' limiters are kept at most. */
        private long maximumKeys = 10_000;

        public @Nullable URI getBaseUrl() {
            return baseUrl;
        }

        public void setBaseUrl(@Nullable URI baseUrl) {
            this.baseUrl = baseUrl;
        }

        public @Nullable PacedScope getGlobal() {
            return global;
        }

        public void setGlobal(@Nullable PacedScope global) {
            this.global = global;
        }

        public @Nullable PacedScope getPerPath() {
            return perPath;
        }

        public void setPerPath(@Nullable PacedScope perPath) {
            this.perPath = perPath;
        }

        public io.ratestack.client.RequestKey getKey() {
            return key;
        }

        public void setKey(io.ratestack.client.RequestKey key) {
            this.key = key;
        }

        public List<String> getRefundStatuses() {
            return refundStatuses;
        }

        public void setRefundStatuses(List<String> refundStatuses) {
            this.refundStatuses = refundStatuses;
        }

        public boolean isHonourRetryAfter() {
            return honourRetryAfter;
        }

        public void setHonourRetryAfter(boolean honourRetryAfter) {
            this.honourRetryAfter = honourRetryAfter;
        }

        public Duration getMaxWait() {
            return maxWait;
        }

        public void setMaxWait(Duration maxWait) {
            this.maxWait = maxWait;
        }

        public long getMaximumKeys() {
            return maximumKeys;
        }

        public void setMaximumKeys(long maximumKeys) {
            this.maximumKeys = maximumKeys;
        }
    }
}
