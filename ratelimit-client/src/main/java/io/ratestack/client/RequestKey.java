package io.ratestack.client;

import java.net.URI;

/** Which requests share a per-key limiter. */
public enum RequestKey {

    /** Requests to the same path ({@code /users/1}), whatever the host or query. */
    PATH,

    /** Requests to the same host, port and path. */
    HOST_AND_PATH;

    /**
     * The key of a request to {@code uri}.
     *
     * @param uri the request's URI
     * @return its key
     */
    public String keyOf(URI uri) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (this == PATH) {
            return path;
        }
        String host = uri.getHost() == null ? "" : uri.getHost();
        return uri.getPort() < 0 ? host + path : host + ":" + uri.getPort() + path;
    }
}
