package io.ratestack.redis;

/** What {@link RedisLimits} answers while Redis cannot be reached within its command timeout. */
public enum StoreFailurePolicy {

    /**
     * Admit every use, uncounted: an outage of the store does not become an outage of the service, and limits
     * are off until Redis answers again. The default.
     */
    FAIL_OPEN,

    /**
     * Refuse every use, with a retry-after of {@link RedisLimits#FAIL_CLOSED_RETRY_AFTER}: no use goes unlimited,
     * at the price of refusing all of them until Redis answers again.
     */
    FAIL_CLOSED,

    /**
     * Ask the {@linkplain RedisLimits.Builder#localFallback local fallback} (typically in-memory limiters with the
     * same limits): each instance limits on its own while Redis is away, so a client may get up to one budget per
     * instance. The fallback's permits are ended locally; nothing of them reaches Redis when it returns.
     */
    LOCAL
}
