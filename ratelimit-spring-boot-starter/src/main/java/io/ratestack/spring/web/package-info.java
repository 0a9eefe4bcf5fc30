/**
 * The servlet side of the starter: {@link io.ratestack.spring.web.RateLimitFilter}, the
 * {@link io.ratestack.spring.web.RateLimit @RateLimit} annotation, and the pieces the filter is made of. Nothing here
 * depends on Spring Boot; the auto-configuration assembles it.
 */
@NullMarked
package io.ratestack.spring.web;

import org.jspecify.annotations.NullMarked;
