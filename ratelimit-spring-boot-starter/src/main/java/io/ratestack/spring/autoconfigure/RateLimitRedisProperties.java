package io.ratestack.spring.autoconfigure;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The Redis store, under {@code ratelimit.redis}, used when {@code ratelimit.store} is {@code redis}: its connection,
 * its keys, and what it answers while Redis cannot be reached. Checked whatever the store.
 */
@ConfigurationProperties(prefix = "ratelimit.redis")
public class RateLimitRedisProperties {

    /**
     * The Redis to keep the limits in, as a Lettuce URI (`redis://host:port/db`,
     * `rediss://user:password@host:port` for TLS). When not set, the application's `spring.data.redis.*`
     * settings are used (url, or host, port, username, password, database and ssl.enabled).
     */
    private @Nullable String url;

    /** Put before every key. Must not hold braces, which would move the Redis Cluster hash tag. */
    private String prefix = "ratelimit:";

    /**
     * How long an in-flight use holds its slot at most if its instance never ends it (the instance died):
     * longer than the slowest request.
     */
    private Duration lease = Duration.ofMinutes(1);

    /** How long a request waits for Redis at most before the failure policy answers. */
    private Duration commandTimeout = Duration.ofMillis(250);

    /** While Redis is unavailable, how often one request tries it again; the others do not wait for it. */
    private Duration probeInterval = Duration.ofSeconds(1);

    /**
     * What to answer while Redis cannot be reached: `fail-open` (admit, uncounted), `fail-closed` (refuse, see
     * `fail-closed-status`) or `local` (in-memory limits with the same limits, per instance, until Redis
     * answers again).
     */
    private FailurePolicy onFailure = FailurePolicy.FAIL_OPEN;

    /**
     * The status of requests refused under `fail-closed` while Redis cannot be reached: `503` (a problem body
     * saying the rate limiter is unavailable, `Retry-After: 1`) or `429` (as a limit's refusal,
     * `Retry-After: 1`).
     */
    private int failClosedStatus = 503;

    public @Nullable String getUrl() {
        return url;
    }

    public void setUrl(@Nullable String url) {
        this.url = url;
    }

    public String getPrefix() {
        return prefix;
    }

    public void setPrefix(String prefix) {
        this.prefix = prefix;
    }

    public Duration getLease() {
        return lease;
    }

    public void setLease(Duration lease) {
        this.lease = lease;
    }

    public Duration getCommandTimeout() {
        return commandTimeout;
    }

    public void setCommandTimeout(Duration commandTimeout) {
        this.commandTimeout = commandTimeout;
    }

    public Duration getProbeInterval() {
        return probeInterval;
    }

    public void setProbeInterval(Duration probeInterval) {
        this.probeInterval = probeInterval;
    }

    public FailurePolicy getOnFailure() {
        return onFailure;
    }

    public void setOnFailure(FailurePolicy onFailure) {
        this.onFailure = onFailure;
    }

    public int getFailClosedStatus() {
        return failClosedStatus;
    }

    public void setFailClosedStatus(int failClosedStatus) {
        this.failClosedStatus = failClosedStatus;
    }

    /** What the Redis store answers while Redis cannot be reached. */
    public enum FailurePolicy {
        /** Admit, uncounted. */
        FAIL_OPEN,
        /** Refuse, with {@code fail-closed-status}. */
        FAIL_CLOSED,
        /** In-memory limits with the same limits, per instance, until Redis answers again. */
        LOCAL
    }
}
