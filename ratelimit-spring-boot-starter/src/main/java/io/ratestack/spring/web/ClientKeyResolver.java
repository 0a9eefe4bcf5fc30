package io.ratestack.spring.web;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * Decides which client a request belongs to: every client has its own limiters. The default,
 * {@link RemoteAddressClientKeyResolver}, keys by the client's address. Declare a bean of this type to key by an API
 * key, a tenant or the authenticated principal instead.
 *
 * <pre>{@code
 * @Bean
 * ClientKeyResolver apiKeys() {
 *     return request -> request.getHeader("X-Api-Key"); // null: fall back to the client's address
 * }
 * }</pre>
 */
@FunctionalInterface
public interface ClientKeyResolver {

    /**
     * The key of the client that sent {@code request}.
     *
     * @param request the request being limited
     * @return the key, or {@code null} to fall back to the client's address
     */
    @Nullable String resolve(HttpServletRequest request);
}
