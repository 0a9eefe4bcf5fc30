package io.ratestack.spring.web;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * Decides which client a request belongs to: every client has its own limiters. The default,
 * {@link RemoteAddressClientKeyResolver}, keys by the client's address. Declare a bean of this type to key by an API
 * key, a tenant or the authenticated principal instead.
 *
 * <p>The filter runs before authentication by default, so a header is whatever the client sends: accept only keys
 * you issued. A resolver that returned the header as it is would let a client send a fresh key with every request
 * and never be limited.
 *
 * <pre>{@code
 * @Bean
 * ClientKeyResolver apiKeys(@Value("${app.api-keys}") Set<String> issuedKeys) {
 *     return request -> {
 *         String key = request.getHeader("X-Api-Key"); // null when the header is missing
 *         return key != null && issuedKeys.contains(key) ? key : null; // null: keyed by address
 *     };
 * }
 * }</pre>
 *
 * <p>A resolver that throws costs one WARN line per cause and minute (the stack trace at DEBUG), and the request is
 * keyed by its address.
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
