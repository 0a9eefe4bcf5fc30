package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ratestack.Limit;
import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.RateLimitObserver;
import io.ratestack.spring.web.Route;
import io.ratestack.spring.web.RoutePolicy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class RateLimitMetricsAutoConfigurationTest {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                    RateLimitMetricsAutoConfiguration.class, RateLimitServletAutoConfiguration.class));

    @Configuration(proxyBeanMethods = false)
    static class Registry {
        @Bean
        SimpleMeterRegistry registry() {
            return new SimpleMeterRegistry();
        }
    }

    @Test
    void countsDecisionsByOutcomeScopeAndRouteAndGaugesTheCaches() {
        runner.withUserConfiguration(Registry.class).run(context -> {
            assertThat(context).hasNotFailed();
            RateLimitObserver observer = context.getBean(RateLimitObserver.class);
            assertThat(observer).isInstanceOf(MicrometerRateLimitObserver.class);
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            context.getBeansOfType(MeterBinder.class).values().forEach(binder -> binder.bindTo(registry));
            Route route = new Route("/users/{id}", null);

            observer.admitted(route);
            observer.admitted(route);
            observer.refused(route, "global");
            observer.refunded(route);
            observer.exempted(route);
            observer.wouldRefuse(route, "route");
            observer.timed(route, 1_000);

            assertThat(registry.get("ratelimit.requests").tags("outcome", "admitted", "scope", "none",
                    "route", "/users/{id}").counter().count()).isEqualTo(2);
            assertThat(registry.get("ratelimit.requests").tags("outcome", "refused", "scope", "global")
                    .counter().count()).isEqualTo(1);
            assertThat(registry.get("ratelimit.requests").tags("outcome", "refunded").counter().count())
                    .isEqualTo(1);
            assertThat(registry.get("ratelimit.requests").tags("outcome", "exempt", "scope", "none").counter().count())
                    .isEqualTo(1);
            assertThat(registry.get("ratelimit.requests").tags("outcome", "would-refuse", "scope", "route").counter()
                    .count()).isEqualTo(1);
            assertThat(registry.get("ratelimit.filter").timer().count()).isEqualTo(1);
            assertThat(registry.get("ratelimit.clients").tags("cache", "global").gauge().value()).isZero();
            assertThat(registry.get("ratelimit.clients").tags("cache", "per-route").gauge().value()).isZero();
        });
    }

    @Test
    void countsTheRequestsThatFoundACacheFull() {
        runner.withUserConfiguration(Registry.class).withPropertyValues("ratelimit.cache.global.maximum-size=1")
                .run(context -> {
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    context.getBeansOfType(MeterBinder.class).values().forEach(binder -> binder.bindTo(registry));
                    MemoryRateLimitStore store = context.getBean(MemoryRateLimitStore.class);
                    Route route = new Route("/test", new RoutePolicy("test", List.of(Limit.of(10,
                            Duration.ofSeconds(1)).named("route"))));

                    store.tryAcquire("203.0.113.1", route).result().permit().close();
                    store.tryAcquire("203.0.113.2", route).result().permit().close();

                    assertThat(registry.get("ratelimit.clients.overflow").tags("cache", "global").functionCounter()
                            .count()).isEqualTo(1);
                    assertThat(registry.get("ratelimit.clients.overflow").tags("cache", "per-route")
                            .functionCounter().count()).isZero();
                });
    }

    @Test
    void backsOffWithoutMicrometerOrARegistry() {
        runner.run(context -> assertThat(context).doesNotHaveBean(RateLimitObserver.class));
        runner.withUserConfiguration(Registry.class).withClassLoader(new FilteredClassLoader(MeterRegistry.class))
                .run(context -> assertThat(context).doesNotHaveBean(RateLimitObserver.class));
    }
}
