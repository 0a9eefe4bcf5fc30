package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.RateLimit;
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

        assertThat(RuntimeHintsPredicates.reflection().onType(MemoryRateLimitStore.ClientState.class)).accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(MemoryRateLimitStore.CacheState.class)).accepts(hints);
    }
}
