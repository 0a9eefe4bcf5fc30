package io.ratestack.spring.web;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * Decides which plan (tier) a request's client is on: each plan of {@code ratelimit.plans} has its own global,
 * per-route and route limits, and the top-level ones are the plan named {@value #DEFAULT_PLAN}. Declare a bean of
 * this type to put clients on plans: from the authenticated principal, an API key lookup, or a header that a
 * gateway in front of the application sets and the client cannot.
 *
 * <pre>{@code
 * @Bean
 * PlanResolver plans(ApiKeys keys) {
 *     return request -> {
 *         ApiKeys.Account account = keys.find(request.getHeader("X-Api-Key")); // null for a key not issued
 *         return account == null ? null : account.plan(); // null: the default plan
 *     };
 * }
 * }</pre>
 *
 * <p>The filter asks it once per request (but for exempt addresses), before the route is resolved, so for excluded
 * and exempt paths too: keep it cheap, caching lookups. The client is keyed as ever: a plan's clients are still limited
 * one by one, each by its own key. A client has the limiters of the plan it is on at that request: one that moves to
 * another plan keeps its count of what the two plans share (the same global limits, a route limit the plan takes from
 * the top level) and starts afresh on the plan's own limits.
 *
 * <p>A name that is not a plan, or a resolver that throws, puts the request on the default plan, at one WARN line per
 * cause and minute.
 */
@FunctionalInterface
public interface PlanResolver {

    /** The name of the plan of the top-level limits, which a request is on when no resolver names another. */
    String DEFAULT_PLAN = "default";

    /** Puts every request on the default plan. */
    PlanResolver DEFAULT = request -> null;

    /**
     * The plan of the client that sent {@code request}.
     *
     * @param request the request being limited
     * @return the plan's name, a key of {@code ratelimit.plans}, or {@code null} for the default plan
     */
    @Nullable String resolve(HttpServletRequest request);
}
