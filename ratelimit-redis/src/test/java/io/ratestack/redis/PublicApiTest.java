package io.ratestack.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.PublicTypes;
import org.junit.jupiter.api.Test;

/**
 * The public types of ratelimit-redis, written out: a type made public fails this test until it is added to the list,
 * so widening the API is a visible decision. Public means a user may rely on it; implementation types are package-
 * private.
 */
class PublicApiTest {

    @Test
    void publicTypesAreTheListedOnes() {
        assertThat(PublicTypes.of(RedisLimits.class, "io.ratestack.redis")).containsExactly(
                "LocalFallback",
                "RedisLimits",
                "RedisLimits$Builder",
                "RedisLimits$Outcome",
                "StoreFailurePolicy");
    }
}
