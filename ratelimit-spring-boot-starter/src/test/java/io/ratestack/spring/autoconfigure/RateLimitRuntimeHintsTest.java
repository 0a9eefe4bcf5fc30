package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.spring.web.RateLimit;
import io.ratestack.spring.web.RateLimiterStore;
import org.junit.jupiter.api.Test;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;

class RateLimitRuntimeHintsTest {

    @Test
    void theAnnotationsAreReadableInANativeImage() {
        RuntimeHints hints = new RuntimeHints();
        new RateLimitRuntimeHints().registerHints(hints, getClass().getClassLoader());

        assertThat(RuntimeHintsPredicates.reflection().onType(RateLimit.class)).accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(RateLimit.Exempt.class)).accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(RateLimit.List.class)).accepts(hints);
    }

    @Test
    void theEndpointsRecordsAreWritableInANativeImage() {
        RuntimeHints hints = new RuntimeHints();
        new RateLimitRuntimeHints().registerHints(hints, getClass().getClassLoader());

        assertThat(RuntimeHintsPredicates.reflection().onType(RateLimiterStore.ClientState.class)).accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(RateLimiterStore.CacheState.class)).accepts(hints);
    }
}
