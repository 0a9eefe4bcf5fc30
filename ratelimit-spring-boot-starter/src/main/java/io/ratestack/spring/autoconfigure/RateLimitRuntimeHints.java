package io.ratestack.spring.autoconfigure;

import io.ratestack.spring.web.RateLimit;
import org.jspecify.annotations.Nullable;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;

/**
 * What a native image needs beyond what Spring infers: the {@link RateLimit} annotations are read reflectively from
 * handler methods at startup, the endpoint's and store's records are written as JSON, and the Tomcat factories'
 * {@code addEngineValves} is found by name ({@link UnreadBodyValve#addTo}).
 */
class RateLimitRuntimeHints implements RuntimeHintsRegistrar {

    @Override
    public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
        for (String factory : UnreadBodyValve.TOMCAT_FACTORIES) {
            hints.reflection().registerType(TypeReference.of(factory), MemberCategory.INVOKE_PUBLIC_METHODS);
        }
        for (Class<?> type : new Class<?>[] {RateLimit.class, RateLimit.List.class, RateLimit.Exempt.class}) {
            hints.reflection().registerType(type, MemberCategory.INVOKE_PUBLIC_METHODS);
        }
        for (Class<?> type : new Class<?>[] {io.ratestack.spring.web.MemoryRateLimitStore.ClientState.class,
                io.ratestack.spring.web.MemoryRateLimitStore.RouteState.class,
                io.ratestack.spring.web.MemoryRateLimitStore.LimiterState.class,
                io.ratestack.spring.web.MemoryRateLimitStore.CacheState.class}) {
            hints.reflection().registerType(type, MemberCategory.INVOKE_PUBLIC_METHODS,
                    MemberCategory.INVOKE_DECLARED_CONSTRUCTORS);
        }
    }
}
