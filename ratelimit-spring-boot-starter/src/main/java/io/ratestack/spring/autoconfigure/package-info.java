/**
 * Spring Boot auto-configuration of rate limiting: properties under {@code ratelimit}, the filter's registration, and
 * the startup failure analysis of bad configuration.
 */
@NullMarked
package io.ratestack.spring.autoconfigure;

import org.jspecify.annotations.NullMarked;
