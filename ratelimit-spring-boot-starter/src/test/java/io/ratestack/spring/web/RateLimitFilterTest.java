package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratestack.FakeClock;
import io.ratestack.Limit;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.web.MockAsyncContext;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** The filter on its own, with mock requests, a fixed route and a fake clock. */
class RateLimitFilterTest {

    private final FakeClock clock = new FakeClock();
    private final RoutePolicy onePerSecond = new RoutePolicy("test",
            List.of(new Limit(1, Duration.ofSeconds(1), Duration.ZERO, "route")));
    private final MemoryRateLimitStore store = new MemoryRateLimitStore(clock,
            List.of(new Limit(3, Duration.ofSeconds(10), Duration.ZERO, "global")),
            new MemoryRateLimitStore.CacheBounds(1000, Duration.ofMinutes(1)),
            new MemoryRateLimitStore.CacheBounds(1000, Duration.ofMinutes(1)));
    private final RemoteAddressClientKeyResolver addresses = new RemoteAddressClientKeyResolver();
    private RouteResolver routes = request -> new Route("/test", onePerSecond);
    private ClientKeyResolver clientKeys = request -> null;
    private boolean headers = true;
    private final java.util.List<String> observed = new java.util.ArrayList<>();
    private RateLimitObserver observer = RateLimitObserver.NONE;
    private ExemptClients exempt = ExemptClients.NONE;
    private RequestCost costs = RequestCost.OF_ROUTE;
    private Mode mode = Mode.ENFORCE;

    private RateLimitFilter filter() {
        return RateLimitFilter.builder(routes, store, onePerSecond).clientKeys(clientKeys).addresses(addresses)
                .refundStatuses(RefundStatuses.parse(List.of("500", "503"))).headers(headers).observer(observer)
                .exemptClients(exempt).costs(costs).mode(mode).build();
    }

    private static MockHttpServletRequest get(String address) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/test");
        request.setRemoteAddr(address);
        return request;
    }

    private MockHttpServletResponse call(MockHttpServletRequest request, int status) throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter().doFilter(request, response, (req, res) -> ((HttpServletResponse) res).setStatus(status));
        return response;
    }

    private MockHttpServletResponse call(String address) throws Exception {
        return call(get(address), 200);
    }

    @Test
    void refusalIsA429WithRetryAfterRateLimitHeadersAndAProblemBody() throws Exception {
        call("192.0.2.1");
        clock.advance(Duration.ofMillis(300));

        MockHttpServletResponse refused = call("192.0.2.1");

        assertThat(refused.getStatus()).isEqualTo(429);
        assertThat(refused.getContentType()).isEqualTo("application/problem+json");
        assertThat(refused.getHeader("Retry-After")).isEqualTo("1");
        assertThat(refused.getHeader("Cache-Control")).isEqualTo("no-store");
        assertThat(refused.getHeader("RateLimit-Policy")).isEqualTo("\"global\";q=3;w=10, \"route\";q=1;w=1");
        assertThat(refused.getHeader("RateLimit")).isEqualTo("\"global\";r=2;t=10, \"route\";r=0;t=1");
        assertThat(refused.getContentAsString()).isEqualTo("{"
                + "\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\","
                + "\"title\":\"Request cannot be satisfied as assigned quota has been exceeded\","
                + "\"status\":429,\"detail\":\"rate limited\",\"instance\":\"/test\","
                + "\"violated-policies\":[\"route\"]}");
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void inShadowModeNothingIsRefusedButWhatWouldBeIsObservedAndLogged(CapturedOutput output) throws Exception {
        mode = Mode.SHADOW;
        observer = recording();
        assertThat(call("192.0.2.1").getHeader("RateLimit")).isEqualTo("\"global\";r=2, \"route\";r=0");
        MockHttpServletResponse wouldBeRefused = call("192.0.2.1");
        assertThat(wouldBeRefused.getStatus()).isEqualTo(200);
        assertThat(wouldBeRefused.getHeaderNames()).doesNotContain("RateLimit", "RateLimit-Policy", "Retry-After");
        clock.advance(Duration.ofSeconds(1));
        assertThat(call("192.0.2.1").getHeader("RateLimit")).as("the let-through request took no use")
                .isEqualTo("\"global\";r=1;t=9, \"route\";r=0");
        assertThat(observed).containsExactly("admitted", "would-refuse route", "admitted");
        assertThat(output).contains("Would refuse GET /test for client #" + Keys.forLog("192.0.2.1")
                + " (route limits, in shadow mode)").doesNotContain("192.0.2.1 ");
    }

    @Test
    void aRoutePolicyInShadowModeLetsItsRefusalsThroughButTheGlobalLimitsStillRefuse() throws Exception {
        RoutePolicy shadowed = new RoutePolicy("test", "test", onePerSecond.limits(), 1, Mode.SHADOW);
        routes = request -> new Route("/test", shadowed);
        observer = recording();
        int[] statuses = new int[4];
        for (int i = 0; i < statuses.length; i++) {
            statuses[i] = call("192.0.2.1").getStatus();
        }
        assertThat(statuses).as("1 per second observed; 3 per 10 seconds enforced").containsExactly(200, 200, 200,
                429);
        assertThat(observed).containsExactly("admitted", "would-refuse route", "admitted", "would-refuse route",
                "admitted", "refused global");
    }

    private RateLimitObserver recording() {
        return new RateLimitObserver() {
            @Override
            public void admitted(Route route) {
                observed.add("admitted");
            }

            @Override
            public void refused(Route route, String scope) {
                observed.add("refused " + scope);
            }

            @Override
            public void wouldRefuse(Route route, String scope) {
                observed.add("would-refuse " + scope);
            }

            @Override
            public void refunded(Route route) {
                observed.add("refunded");
            }
        };
    }

    @Test
    void aSettledCostOfZeroRefundsTheUse() throws Exception {
        observer = recording();
        MockHttpServletResponse first = new MockHttpServletResponse();
        filter().doFilter(get("192.0.2.1"), first, (request, response) -> {
            request.setAttribute(RequestCost.ACTUAL_COST_ATTRIBUTE, 0L); // any Number
            ((HttpServletResponse) response).setStatus(200);
        });
        assertThat(call("192.0.2.1").getStatus()).as("the first used nothing of 1 per second").isEqualTo(200);
        assertThat(observed).containsExactly("refunded", "admitted");
    }

    @Test
    void anExemptAddressPassesUnlimitedWithoutHeadersAndOthersAreLimited() throws Exception {
        exempt = ExemptClients.of(List.of("10.0.0.0/8", "2001:db8::/32"), List.of());
        observer = new RateLimitObserver() {
            @Override
            public void exempted(Route route) {
                observed.add("exempt " + route.key());
            }
        };
        for (String address : List.of("10.1.2.3", "[2001:db8:5::7]:443", "::ffff:10.9.9.9")) {
            for (int i = 0; i < 5; i++) {
                MockHttpServletResponse response = call(address);
                assertThat(response.getStatus()).as(address).isEqualTo(200);
                assertThat(response.getHeaderNames()).doesNotContain("RateLimit", "RateLimit-Policy");
            }
        }
        assertThat(observed).hasSize(15).containsOnly("exempt /test");
        assertThat(call("11.0.0.1").getStatus()).isEqualTo(200);
        assertThat(call("11.0.0.1").getStatus()).isEqualTo(429);
        MockHttpServletRequest spoofed = get("192.0.2.9");
        spoofed.addHeader("X-Forwarded-For", "10.1.2.3"); // no trusted proxy: the peer is the client
        assertThat(call(spoofed, 200).getStatus()).isEqualTo(200);
        MockHttpServletRequest again = get("192.0.2.9");
        again.addHeader("X-Forwarded-For", "10.1.2.3");
        assertThat(call(again, 200).getStatus()).isEqualTo(429);
    }

    @Test
    void anExemptKeyIsTheResolversKeyAndPassesUnlimited() throws Exception {
        String longKey = "k".repeat(100); // kept hashed: still exempt by what the resolver returned
        exempt = ExemptClients.of(List.of(), List.of("internal-batch", longKey));
        clientKeys = request -> request.getHeader("X-Api-Key");
        for (String key : List.of("internal-batch", longKey)) {
            for (int i = 0; i < 3; i++) {
                MockHttpServletRequest request = get("192.0.2.1");
                request.addHeader("X-Api-Key", key);
                assertThat(call(request, 200).getStatus()).isEqualTo(200);
            }
        }
        MockHttpServletRequest other = get("192.0.2.1");
        other.addHeader("X-Api-Key", "customer-1");
        assertThat(call(other, 200).getStatus()).isEqualTo(200);
        MockHttpServletRequest otherAgain = get("192.0.2.1");
        otherAgain.addHeader("X-Api-Key", "customer-1");
        assertThat(call(otherAgain, 200).getStatus()).isEqualTo(429);
        assertThat(call("192.0.2.1").getStatus()).as("keyed by address, not exempt").isEqualTo(200);
    }

    @Test
    void admittedResponsesCarryTheRateLimitHeaders() throws Exception {
        MockHttpServletResponse admitted = call("192.0.2.1");

        assertThat(admitted.getStatus()).isEqualTo(200);
        assertThat(admitted.getHeader("RateLimit-Policy")).isEqualTo("\"global\";q=3;w=10, \"route\";q=1;w=1");
        assertThat(admitted.getHeader("RateLimit")).isEqualTo("\"global\";r=2, \"route\";r=0");
    }

    @Test
    void headersCanBeTurnedOff() throws Exception {
        headers = false;
        call("192.0.2.1");

        MockHttpServletResponse refused = call("192.0.2.1");

        assertThat(refused.getStatus()).isEqualTo(429);
        assertThat(refused.getHeader("Retry-After")).isEqualTo("1");
        assertThat(refused.getHeaderNames()).doesNotContain("RateLimit", "RateLimit-Policy");
    }

    @Test
    void retryAfterRoundsUpToWholeSeconds() throws Exception {
        for (int i = 0; i < 3; i++) {
            call("192.0.2.1");
            clock.advance(Duration.ofSeconds(1));
        }
        clock.advance(Duration.ofMillis(500)); // the global window (started at 0 s) ends at 10 s: 6.5 s left

        MockHttpServletResponse refused = call("192.0.2.1");

        assertThat(refused.getHeader("Retry-After")).isEqualTo("7");
        assertThat(refused.getContentAsString()).contains("\"violated-policies\":[\"global\"]");
    }

    @Test
    void aRefundStatusRefundsTheUse() throws Exception {
        assertThat(call(get("192.0.2.1"), 500).getStatus()).isEqualTo(500);
        assertThat(call(get("192.0.2.1"), 503).getStatus()).isEqualTo(503);

        assertThat(call("192.0.2.1").getStatus()).isEqualTo(200);
    }

    @Test
    void aThrowingHandlerIsRefundedAndItsErrorPropagates() throws Exception {
        FilterChain failing = (req, res) -> {
            throw new ServletException("handler failed", new AssertionError("1 == 2"));
        };

        assertThatThrownBy(() -> filter().doFilter(get("192.0.2.1"), new MockHttpServletResponse(), failing))
                .isInstanceOf(ServletException.class).hasMessage("handler failed");
        assertThatThrownBy(() -> filter().doFilter(get("192.0.2.1"), new MockHttpServletResponse(),
                (req, res) -> {
                    throw new IllegalStateException("bug");
                })).isInstanceOf(IllegalStateException.class);

        assertThat(call("192.0.2.1").getStatus()).isEqualTo(200);
    }

    @Test
    void asynchronousRequestsKeepTheirUseUntilTheyCompleteAndAreRefundedOnAServerError() throws Exception {
        MockHttpServletRequest request = get("192.0.2.1");
        request.setAsyncSupported(true);
        MockHttpServletResponse response = new MockHttpServletResponse();
        AsyncContext[] async = new AsyncContext[1];
        filter().doFilter(request, response, (req, res) -> async[0] = req.startAsync());

        assertThat(call("192.0.2.1").getStatus()).as("the slot is held while the request runs").isEqualTo(429);
        response.setStatus(500);
        async[0].complete();

        assertThat(call("192.0.2.1").getStatus()).as("the 500 was refunded").isEqualTo(200);
    }

    @Test
    void asynchronousRequestsThatSucceedCount() throws Exception {
        MockHttpServletRequest request = get("192.0.2.1");
        request.setAsyncSupported(true);
        MockHttpServletResponse response = new MockHttpServletResponse();
        AsyncContext[] async = new AsyncContext[1];
        filter().doFilter(request, response, (req, res) -> async[0] = req.startAsync());
        async[0].complete();

        assertThat(call("192.0.2.1").getStatus()).isEqualTo(429);
        clock.advance(Duration.ofSeconds(1));
        assertThat(call("192.0.2.1").getStatus()).isEqualTo(200);
    }

    @Test
    void ipv6ClientsAreGroupedBySlash64() throws Exception {
        call("2001:db8:1:2::1");

        assertThat(call("2001:db8:1:2:ffff:ffff:ffff:ffff").getStatus()).isEqualTo(429);
        assertThat(call("[2001:db8:1:2::abcd]").getStatus()).isEqualTo(429);
        assertThat(call("2001:db8:1:3::1").getStatus()).isEqualTo(200);
    }

    @Test
    void aSpoofedForwardedHeaderChangesNothing() throws Exception {
        call("192.0.2.1");
        MockHttpServletRequest spoofed = get("192.0.2.1");
        spoofed.addHeader("X-Forwarded-For", "203.0.113.7");
        spoofed.addHeader("Forwarded", "for=203.0.113.8");

        assertThat(call(spoofed, 200).getStatus()).isEqualTo(429);
    }

    @Test
    void aRequestWithoutRemoteAddressIsLimitedUnderOneSharedKey() throws Exception {
        MockHttpServletRequest none = get(null);

        assertThat(call(none, 200).getStatus()).isEqualTo(200);
        assertThat(call(get(""), 200).getStatus()).isEqualTo(429);
    }

    @Test
    void aClientKeyResolverReplacesTheAddress() throws Exception {
        clientKeys = request -> request.getHeader("X-Api-Key");
        MockHttpServletRequest first = get("192.0.2.1");
        first.addHeader("X-Api-Key", "alice");
        call(first, 200);
        MockHttpServletRequest other = get("192.0.2.1");
        other.addHeader("X-Api-Key", "bob");

        assertThat(call(other, 200).getStatus()).isEqualTo(200);
        assertThat(call(get("192.0.2.1"), 200).getStatus()).as("no key: keyed by address").isEqualTo(200);
        assertThat(call(get("192.0.2.1"), 200).getStatus()).isEqualTo(429);
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void aThrowingClientKeyResolverKeysByAddressAndIsLoggedOnceNotPerRequest(CapturedOutput output)
            throws Exception {
        java.util.Set<String> issued = java.util.Set.of("k-1234");
        clientKeys = request -> issued.contains(request.getHeader("X-Api-Key")) ? "k" : null; // NPE without header
        RateLimitFilter filter = filter();
        int admitted = 0;
        for (int i = 0; i < 60; i++) {
            MockHttpServletResponse response = new MockHttpServletResponse();
            filter.doFilter(get("192.0.2.1"), response, (req, res) -> { });
            admitted += response.getStatus() == 200 ? 1 : 0;
        }

        assertThat(admitted).as("keyed by address: the route's 1 per second").isEqualTo(1);
        assertThat(output.getAll().split("ClientKeyResolver failed", -1)).hasSize(2);
    }

    @Test
    void aRequestThatMatchedNoHandlerIsChargedForItsServerErrorOrThrow() throws Exception {
        routes = request -> new Route(Route.UNMATCHED, onePerSecond);

        assertThat(call(get("192.0.2.1"), 500).getStatus()).isEqualTo(500);
        assertThat(call(get("192.0.2.1"), 500).getStatus()).as("the 500 counted").isEqualTo(429);
        clock.advance(Duration.ofSeconds(1));
        assertThatThrownBy(() -> filter().doFilter(get("192.0.2.1"), new MockHttpServletResponse(),
                (req, res) -> {
                    throw new IllegalStateException("bad X-Forwarded-Prefix");
                })).isInstanceOf(IllegalStateException.class);
        assertThat(call("192.0.2.1").getStatus()).as("the throw counted").isEqualTo(429);
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void refusalsNameTheClientByAKeyedHashThatAGuessCannotConfirm(CapturedOutput output) throws Exception {
        LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());
        String logger = RateLimitFilter.class.getName();
        var configured = logging.getLoggerConfiguration(logger);
        LogLevel level = configured == null ? null : configured.getConfiguredLevel();
        logging.setLogLevel(logger, LogLevel.DEBUG);
        try {
            call("198.51.100.23");
            call("198.51.100.23");
            call("198.51.100.23");
        } finally {
            logging.setLogLevel(logger, level);
        }

        java.util.regex.Matcher named = java.util.regex.Pattern.compile("Refused GET /test for client #([0-9a-f]{12})")
                .matcher(output.getAll());
        assertThat(named.find()).as("a refusal logged at DEBUG").isTrue();
        String name = named.group(1);
        assertThat(named.find()).isTrue();
        assertThat(named.group(1)).as("one client, one name").isEqualTo(name);
        assertThat(output.getAll()).doesNotContain("198.51.100.23")
                .doesNotContain("#" + Integer.toHexString("198.51.100.23".hashCode()));
        assertThat(Keys.forLog("198.51.100.24")).isNotEqualTo(name);
    }

    @Test
    void aRefusalOfARequestWithABodyClosesAnHttp1ConnectionButNeverSaysSoOverHttp2() throws Exception {
        call("192.0.2.1");
        MockHttpServletRequest http1 = get("192.0.2.1");
        http1.setContent(new byte[100]);
        MockHttpServletRequest http2 = get("192.0.2.1");
        http2.setContent(new byte[100]);
        http2.setProtocol("HTTP/2.0");

        MockHttpServletResponse closed = call(http1, 200);
        MockHttpServletResponse stream = call(http2, 200);
        MockHttpServletResponse noBody = call("192.0.2.1");

        assertThat(closed.getStatus()).isEqualTo(429);
        assertThat(closed.getHeader("Connection")).isEqualTo("close");
        assertThat(stream.getStatus()).isEqualTo(429);
        assertThat(stream.getHeader("Connection")).as("a connection header is an HTTP/2 protocol error").isNull();
        assertThat(noBody.getHeader("Connection")).isNull();
    }

    @Test
    void aFailingRouteResolverLimitsTheRequestInsteadOfCrashingOrLettingItThrough() throws Exception {
        routes = request -> {
            throw new IllegalStateException("odd request");
        };

        assertThat(call("192.0.2.1").getStatus()).isEqualTo(200);
        assertThat(call("192.0.2.1").getStatus()).isEqualTo(429);
    }

    @Test
    void exemptRoutesAreNeverLimited() throws Exception {
        routes = request -> Route.EXEMPT;

        for (int i = 0; i < 10; i++) {
            MockHttpServletResponse response = call("192.0.2.1");
            assertThat(response.getStatus()).isEqualTo(200);
            assertThat(response.getHeader("RateLimit")).isNull();
        }
    }

    @Test
    void instanceIsEscapedInTheJsonBody() throws Exception {
        MockHttpServletRequest odd = new MockHttpServletRequest("GET", "/te\"st\\<x>");
        odd.setRemoteAddr("192.0.2.1");
        call(odd, 200);

        MockHttpServletResponse refused = call(odd, 200);

        assertThat(refused.getContentAsString()).contains("\"instance\":\"/te\\\"st\\\\\\u003cx\\u003e\"");
    }

    @Test
    void instanceLeavesOutPathParameters() {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/test;jsessionid=secret/x;a=b");

        assertThat(RateLimitResponses.instance(request)).isEqualTo("/test/x");
    }

    @Test
    void theObserverIsToldEachDecisionByRouteNeverByClient() throws Exception {
        observer = new RateLimitObserver() {
            @Override
            public void admitted(Route route) {
                observed.add("admitted " + route.pattern());
            }

            @Override
            public void refused(Route route, String scope) {
                observed.add("refused " + scope + " " + route.pattern());
            }

            @Override
            public void refunded(Route route) {
                observed.add("refunded " + route.pattern());
            }

            @Override
            public void timed(Route route, long nanos) {
                assertThat(nanos).isNotNegative();
            }
        };

        call(get("192.0.2.1"), 500);
        call("192.0.2.1");
        call("192.0.2.1");
        assertThatThrownBy(() -> filter().doFilter(get("192.0.2.9"), new MockHttpServletResponse(),
                (req, res) -> {
                    throw new IllegalStateException("bug");
                })).isInstanceOf(IllegalStateException.class);

        assertThat(observed).as("one outcome per request, an admitted one when its use ends")
                .containsExactly("refunded /test", "admitted /test", "refused route /test", "refunded /test");
    }

    @Test
    void jsonEscapesControlCharacters() {
        assertThat(RateLimitResponses.json("a\u0001b\nc")).isEqualTo("\"a\\u0001b\\nc\"");
    }

    @Test
    void wholeSecondsRoundUpAndAreAtLeastOne() {
        assertThat(RateLimitResponses.wholeSecondsAtLeastOne(0)).isEqualTo(1);
        assertThat(RateLimitResponses.wholeSecondsAtLeastOne(1)).isEqualTo(1);
        assertThat(RateLimitResponses.wholeSecondsAtLeastOne(1_000_000_000)).isEqualTo(1);
        assertThat(RateLimitResponses.wholeSecondsAtLeastOne(1_000_000_001)).isEqualTo(2);
        assertThat(RateLimitResponses.wholeSecondsAtLeastOne(Long.MAX_VALUE)).isEqualTo(9_223_372_037L);
    }

    @Test
    void aClientAbortWhileTheResponseIsWrittenIsNotRefunded() throws Exception {
        // The handler ran and wrote most of a large 200 response; the client then closed the connection, and the
        // container's write failed (Tomcat: ClientAbortException extends IOException: Broken pipe).
        assertThatThrownBy(() -> filter().doFilter(get("192.0.2.1"), new MockHttpServletResponse(), (req, res) -> {
            ((HttpServletResponse) res).setStatus(200);
            throw new IOException("Broken pipe");
        })).isInstanceOf(IOException.class);

        assertThat(call("192.0.2.1").getStatus()).as("the 200 was served; the client only hung up").isEqualTo(429);
    }

    @Test
    void aClientThatDisconnectsFromAnAsyncStreamIsNotRefunded() throws Exception {
        MockHttpServletRequest request = get("192.0.2.1");
        request.setAsyncSupported(true);
        MockHttpServletResponse response = new MockHttpServletResponse();
        AsyncContext[] async = new AsyncContext[1];
        filter().doFilter(request, response, (req, res) -> async[0] = req.startAsync());
        response.setStatus(200);
        // An SSE stream served for a while; the client goes away, the container reports an I/O error.
        for (AsyncListener listener : ((MockAsyncContext) async[0]).getListeners()) {
            listener.onError(new AsyncEvent(async[0], new IOException("Connection reset by peer")));
        }
        async[0].complete();

        assertThat(call("192.0.2.1").getStatus()).as("the stream was served; the client only hung up").isEqualTo(429);
    }

    @Test
    void aClientCannotSpendAnotherClientsAddressLimitBySendingItAsAnApiKey() throws Exception {
        // Custom client keys and address keys live in separate namespaces.
        clientKeys = request -> request.getHeader("X-Api-Key"); // the README's resolver
        MockHttpServletRequest attacker = get("198.51.100.9");
        attacker.addHeader("X-Api-Key", "192.0.2.1"); // names the victim's address as its "API key"
        assertThat(call(attacker, 200).getStatus()).isEqualTo(200);

        assertThat(call("192.0.2.1").getStatus()).as("the victim, without an API key, keyed by its address")
                .isEqualTo(200);
    }
}
