package io.ratestack.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.PublicTypes;
import io.ratestack.spring.web.RateLimitFilter;
import org.junit.jupiter.api.Test;

/**
 * The public types of ratelimit-spring-boot-starter, written out: a type made public fails this test until it is added
 * to the list, so widening the API is a visible decision. Public means a user may rely on it; implementation types are
 * package-private.
 */
class PublicApiTest {

    @Test
    void publicTypesAreTheListedOnes() {
        assertThat(PublicTypes.of(RateLimitFilter.class, "io.ratestack.spring")).containsExactly(
                "autoconfigure.RateLimitAutoConfiguration",
                "autoconfigure.RateLimitClientAutoConfiguration",
                "autoconfigure.RateLimitClientProperties",
                "autoconfigure.RateLimitClientProperties$PacedScope",
                "autoconfigure.RateLimitClientProperties$Target",
                "autoconfigure.RateLimitEndpointAutoConfiguration",
                "autoconfigure.RateLimitMetricsAutoConfiguration",
                "autoconfigure.RateLimitProperties",
                "autoconfigure.RateLimitProperties$CacheBounds",
                "autoconfigure.RateLimitProperties$Caches",
                "autoconfigure.RateLimitProperties$ClientKey",
                "autoconfigure.RateLimitProperties$ExemptClients",
                "autoconfigure.RateLimitProperties$Filter",
                "autoconfigure.RateLimitProperties$Headers",
                "autoconfigure.RateLimitProperties$Limit",
                "autoconfigure.RateLimitProperties$Plan",
                "autoconfigure.RateLimitProperties$Problem",
                "autoconfigure.RateLimitProperties$Queue",
                "autoconfigure.RateLimitProperties$RouteKey",
                "autoconfigure.RateLimitProperties$RouteOverride",
                "autoconfigure.RateLimitProperties$RouteScope",
                "autoconfigure.RateLimitProperties$Scope",
                "autoconfigure.RateLimitProperties$Store",
                "autoconfigure.RateLimitProperties$TimesPerLimit",
                "autoconfigure.RateLimitRedisAutoConfiguration",
                "autoconfigure.RateLimitRedisConnection",
                "autoconfigure.RateLimitRedisProperties",
                "autoconfigure.RateLimitRedisProperties$FailurePolicy",
                "autoconfigure.RateLimitRefresher",
                "autoconfigure.RateLimitServletAutoConfiguration",
                "autoconfigure.RateLimitsEndpoint",
                "client.PacedTarget",
                "client.PacedTargets",
                "client.RateLimitingExchangeFilter",
                "client.RateLimitingInterceptor",
                "redis.RedisRateLimitStore",
                "web.Algorithm",
                "web.Algorithm$Refill",
                "web.ClientKeyResolver",
                "web.Durations",
                "web.ExemptClients",
                "web.LimitReading",
                "web.LimitTerms",
                "web.MemoryRateLimitStore",
                "web.MemoryRateLimitStore$CacheBounds",
                "web.MemoryRateLimitStore$CacheState",
                "web.MemoryRateLimitStore$ClientState",
                "web.MemoryRateLimitStore$LimiterState",
                "web.MemoryRateLimitStore$RouteState",
                "web.Mode",
                "web.MvcRouteResolver",
                "web.MvcRouteResolver$PathOverride",
                "web.PlanResolver",
                "web.PolicyNames",
                "web.ProblemDetails",
                "web.RateLimit",
                "web.RateLimit$Exempt",
                "web.RateLimit$List",
                "web.RateLimitConfigurationException",
                "web.RateLimitFilter",
                "web.RateLimitFilter$Builder",
                "web.RateLimitObserver",
                "web.RateLimitStore",
                "web.RateLimitStore$Attempt",
                "web.RefundStatuses",
                "web.RemoteAddressClientKeyResolver",
                "web.RequestCost",
                "web.Route",
                "web.RoutePolicy",
                "web.RouteResolver");
    }
}
