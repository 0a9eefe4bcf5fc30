/**
 * Client-side pacing for Spring's HTTP clients: {@link io.ratestack.spring.client.RateLimitingInterceptor} for
 * {@code RestClient} and {@code RestTemplate}, {@link io.ratestack.spring.client.RateLimitingExchangeFilter} for
 * {@code WebClient}, both driven by the {@link io.ratestack.client.RequestPacer} of the target a request goes to.
 */
@NullMarked
package io.ratestack.spring.client;

import org.jspecify.annotations.NullMarked;
