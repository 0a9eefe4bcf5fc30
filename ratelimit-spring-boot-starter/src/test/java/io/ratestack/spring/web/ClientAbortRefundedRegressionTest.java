package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratestack.FakeClock;
import io.ratestack.Limit;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockAsyncContext;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** Regression: a client that hangs up after the handler did its work gets its use refunded. */
class ClientAbortRefundedRegressionTest {

    private final FakeClock clock = new FakeClock();
    private final RoutePolicy onePerSecond = new RoutePolicy("test",
            List.of(new Limit(1, Duration.ofSeconds(1), Duration.ZERO, "route")));
    private final MemoryRateLimitStore store = new MemoryRateLimitStore(clock,
            List.of(new Limit(3, Duration.ofSeconds(10), Duration.ZERO, "global")),
            new MemoryRateLimitStore.CacheBounds(1000, Duration.ofMinutes(1)),
            new MemoryRateLimitStore.CacheBounds(1000, Duration.ofMinutes(1)));
    private final RateLimitFilter filter = new RateLimitFilter(request -> new Route("/big", onePerSecond),
            request -> null, new RemoteAddressClientKeyResolver(), store, RefundStatuses.parse(List.of("500")),
            ProblemDetails.DEFAULT, true, onePerSecond, RateLimitObserver.NONE);

    private static MockHttpServletRequest get() {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/big");
        request.setRemoteAddr("192.0.2.1");
        request.setAsyncSupported(true);
        return request;
    }

    private int plainCall() throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(get(), response, (req, res) -> ((HttpServletResponse) res).setStatus(200));
        return response.getStatus();
    }

    @Test
    void aClientAbortWhileTheResponseIsWrittenIsNotRefunded() throws Exception {
        // The handler ran and wrote most of a large 200 response; the client then closed the connection, and the
        // container's write failed (Tomcat: ClientAbortException extends IOException: Broken pipe).
        assertThatThrownBy(() -> filter.doFilter(get(), new MockHttpServletResponse(), (req, res) -> {
            ((HttpServletResponse) res).setStatus(200);
            throw new IOException("Broken pipe");
        })).isInstanceOf(IOException.class);

        assertThat(plainCall()).as("the 200 was served; the client only hung up").isEqualTo(429);
    }

    @Test
    void aClientThatDisconnectsFromAnAsyncStreamIsNotRefunded() throws Exception {
        MockHttpServletRequest request = get();
        MockHttpServletResponse response = new MockHttpServletResponse();
        AsyncContext[] async = new AsyncContext[1];
        filter.doFilter(request, response, (req, res) -> async[0] = req.startAsync());
        response.setStatus(200);
        // An SSE stream served for a while; the client goes away, the container reports an I/O error.
        for (AsyncListener listener : ((MockAsyncContext) async[0]).getListeners()) {
            listener.onError(new AsyncEvent(async[0], new IOException("Connection reset by peer")));
        }
        async[0].complete();

        assertThat(plainCall()).as("the stream was served; the client only hung up").isEqualTo(429);
    }
}
