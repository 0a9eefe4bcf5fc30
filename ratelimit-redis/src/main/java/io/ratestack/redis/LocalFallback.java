package io.ratestack.redis;

import io.ratestack.AcquireResult;
import io.ratestack.LimitSpec;
import java.util.List;

/**
 * Takes a use of a client's limits without Redis, for {@link StoreFailurePolicy#LOCAL}: typically in-memory limiters
 * with the same limits, kept per instance. Called on the caller's thread, with the arguments of
 * {@link RedisLimits#tryAcquire}, while Redis is unavailable; must answer quickly and must not throw.
 */
@FunctionalInterface
public interface LocalFallback {

    /**
     * Answers a use while Redis is unavailable.
     *
     * @param client the client, as given to {@link RedisLimits#tryAcquire}
     * @param limits the limits, the same list as given to {@link RedisLimits#tryAcquire}
     * @param cost the units the use takes, as given to {@link RedisLimits#tryAcquire}: 1 unless a cost was asked
     * @return a permit (ended locally) or a refusal
     */
    AcquireResult tryAcquire(String client, List<? extends LimitSpec> limits, int cost);
}
