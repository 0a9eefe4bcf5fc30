package io.ratestack.spring.web;

import io.ratestack.AcquireResult;
import io.ratestack.ForwardingPermit;
import io.ratestack.Clock;
import io.ratestack.Permit;
import io.ratestack.Refusal;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Rate limits each request, as slowstack's tutorial middleware does: per client, the global limits and the limits
 * of the request's route are taken together (all or nothing) without waiting. A refused request gets 429 with
 * {@code Retry-After}, the IETF {@code RateLimit} headers and an RFC 9457 body; an admitted one runs and its use is
 * refunded when its response status is a refund status (500 by default) or the handler throws, if it matched a
 * handler: a request that fails before any handler could run is charged. Asynchronous requests keep their use until
 * the response completes.
 *
 * <p>Each request is first put on its client's plan ({@link PlanResolver}; the default plan unless plans are given):
 * that plan's route resolver and store decide its limits. {@link #apply} replaces the options, plans included, for
 * the requests that come next.
 *
 * <p>Limits in {@linkplain Mode#SHADOW shadow mode} count and observe but do not refuse: a request they would refuse
 * is let through without rate-limit headers, after taking the global limits' use if only its route's policy is in
 * shadow mode.
 *
 * <p>A request of an {@linkplain ExemptClients exempt client} (by address, then by key) passes without a use and
 * without headers; so does one whose route is exempt.
 *
 * <p>A resolver that throws costs one WARN line per cause and minute, never a stack trace per request: a failing
 * {@link ClientKeyResolver} keys the request by its address, a failing {@link RouteResolver} limits it as a request
 * that matches no route, a failing {@link PlanResolver} (or one naming no plan) puts it on the default plan.
 *
 * <p>A plain servlet filter that knows nothing of Spring Boot; the auto-configuration registers it.
 */
public final class RateLimitFilter extends OncePerRequestFilter {

    private static final Log LOG = LogFactory.getLog(RateLimitFilter.class);
    /** Where requests that a limit in shadow mode would refuse are logged, at INFO. */
    private static final Log SHADOW_LOG = LogFactory.getLog(RateLimitFilter.class.getName() + ".shadow");
    private static final Duration FAILURE_LOG_INTERVAL = Duration.ofMinutes(1);
    /** How much longer than its max-wait a request waits on the system clock for a store's answer. */
    private static final long WAIT_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** The simple names of the servers' exceptions that say the client went away. */
    private static final Set<String> DISCONNECTED = Set.of("ClientAbortException", "EofException",
            "AbortedException", "AsyncRequestNotUsableException");

    private volatile Config config;
    private final CallbackFailures routeFailures =
            new CallbackFailures(LOG, "RouteResolver failed", Clock.system(), FAILURE_LOG_INTERVAL);
    private final CallbackFailures clientKeyFailures =
            new CallbackFailures(LOG, "ClientKeyResolver failed", Clock.system(), FAILURE_LOG_INTERVAL);
    private final CallbackFailures costFailures =
            new CallbackFailures(LOG, "RequestCost failed", Clock.system(), FAILURE_LOG_INTERVAL);
    private final CallbackFailures planFailures =
            new CallbackFailures(LOG, "PlanResolver failed", Clock.system(), FAILURE_LOG_INTERVAL);
    private final CallbackFailures waitFailures =
            new CallbackFailures(LOG, "Waiting for room failed", Clock.system(), FAILURE_LOG_INTERVAL);
    /** The requests waiting for room now. */
    private final WaitingRoom waiting = new WaitingRoom();

    /**
     * One plan's parts: its routes, its store and the policy of a request whose route cannot be resolved.
     *
     * @param globalMaxCost the largest cost the plan's global limits admit at once
     */
    private record Plan(String name, RouteResolver routes, RateLimitStore store, RoutePolicy unresolved,
            int priority, int globalMaxCost) {
        Plan(String name, RouteResolver routes, RateLimitStore store, RoutePolicy unresolved, int priority) {
            this(name, routes, store, unresolved, priority, RoutePolicy.maxCost(store.globalSpecs()));
        }

        /** The store's priority of the plan's waiting requests: lower first, where the plan's is higher first. */
        int waitOrder() {
            return priority == Integer.MIN_VALUE ? Integer.MAX_VALUE : -priority;
        }
    }

    /** A {@link PlanResolver} named no plan: made once per set of plans, without a stack trace. */
    private static final class UnknownPlanException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UnknownPlanException(Set<String> plans) {
            super("the PlanResolver named a plan that is not one of " + plans);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // the same every time: where it was made says nothing
        }
    }

    /** What the filter applies to a request, as one builder made it: replaced whole by {@link #apply}. */
    private static final class Config {
        final Plan defaultPlan;
        final Map<String, Plan> plans;
        final PlanResolver planResolver;
        final ClientKeyResolver clientKeys;
        final RemoteAddressClientKeyResolver addresses;
        final int unavailableStatus;
        final RefundStatuses refunds;
        final RateLimitResponses responses;
        final RateLimitObserver observer;
        final ExemptClients exempt;
        final RequestCost costs;
        /** Whether every limit only observes ({@link Mode#SHADOW}). */
        final boolean shadowAll;
        /** How many requests may wait for room at once. */
        final int maxWaiting;
        /**
         * What a resolver that names no plan is logged with: one exception, without a stack trace or the name (which
         * may come from the request), made once.
         */
        final IllegalArgumentException noSuchPlan;

        Config(Builder builder) {
            this.defaultPlan = new Plan(PlanResolver.DEFAULT_PLAN, builder.routes, builder.store, builder.unresolved,
                    builder.defaultPriority);
            this.plans = Map.copyOf(builder.plans);
            this.planResolver = builder.planResolver;
            this.addresses = builder.addresses;
            this.clientKeys = builder.clientKeys == null ? builder.addresses : builder.clientKeys;
            this.refunds = builder.refunds;
            this.responses = new RateLimitResponses(builder.problem, builder.headers, builder.partitionKeys);
            this.observer = builder.observer;
            this.unavailableStatus = builder.unavailableStatus;
            this.exempt = builder.exempt;
            this.costs = builder.costs;
            this.shadowAll = builder.mode == Mode.SHADOW;
            this.maxWaiting = builder.maxWaiting;
            this.noSuchPlan = new UnknownPlanException(plans.keySet());
        }
    }

    private RateLimitFilter(Builder builder) {
        this.config = new Config(builder);
    }

    /**
     * Applies a builder's options to the requests that come from now on, in place of the ones this filter was built
     * with or last given; a request on its way ends with the options it started with. Stores and policies that the
     * builder shares with the current options keep their clients' state.
     *
     * @param builder the options
     */
    public void apply(Builder builder) {
        this.config = new Config(builder);
    }

    /**
     * A builder of a filter: every option but the three given here has a default.
     *
     * @param routes finds each request's route
     * @param store the limiters of every client
     * @param unresolved the per-route policy of a request whose route cannot be resolved (the resolver failed):
     *     such a request is limited as one that matches no route, never let through
     * @return the builder
     */
    public static Builder builder(RouteResolver routes, RateLimitStore store, RoutePolicy unresolved) {
        return new Builder(routes, store, unresolved);
    }

    /** Options of a {@link RateLimitFilter}. Not thread-safe; {@link #build()} makes a filter of the options. */
    public static final class Builder {

        private final RouteResolver routes;
        private final RateLimitStore store;
        private final RoutePolicy unresolved;
        private @Nullable ClientKeyResolver clientKeys;
        private RemoteAddressClientKeyResolver addresses = new RemoteAddressClientKeyResolver();
        private RefundStatuses refunds = RefundStatuses.parse(java.util.List.of("500"));
        private ProblemDetails problem = ProblemDetails.DEFAULT;
        private boolean headers = true;
        private boolean partitionKeys;
        private RateLimitObserver observer = RateLimitObserver.NONE;
        private int unavailableStatus = 503;
        private ExemptClients exempt = ExemptClients.NONE;
        private RequestCost costs = RequestCost.OF_ROUTE;
        private Mode mode = Mode.ENFORCE;
        private PlanResolver planResolver = PlanResolver.DEFAULT;
        private int defaultPriority;
        private int maxWaiting = 50;
        private final Map<String, Plan> plans = new LinkedHashMap<>();

        private Builder(RouteResolver routes, RateLimitStore store, RoutePolicy unresolved) {
            this.routes = Objects.requireNonNull(routes, "routes");
            this.store = Objects.requireNonNull(store, "store");
            this.unresolved = Objects.requireNonNull(unresolved, "unresolved");
        }

        /**
         * How requests are keyed; by address ({@link #addresses}) by default, and whenever it has no key.
         *
         * @param resolver the resolver
         * @return this builder
         */
        public Builder clientKeys(ClientKeyResolver resolver) {
            this.clientKeys = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /**
         * How addresses become keys; IPv4 by address, IPv6 by /64 by default.
         *
         * @param resolver the resolver
         * @return this builder
         */
        public Builder addresses(RemoteAddressClientKeyResolver resolver) {
            this.addresses = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /**
         * The statuses whose use is refunded; 500 by default.
         *
         * @param statuses the statuses
         * @return this builder
         */
        public Builder refundStatuses(RefundStatuses statuses) {
            this.refunds = Objects.requireNonNull(statuses, "statuses");
            return this;
        }

        /**
         * The body of a refusal; {@link ProblemDetails#DEFAULT} by default.
         *
         * @param details the problem details
         * @return this builder
         */
        public Builder problem(ProblemDetails details) {
            this.problem = Objects.requireNonNull(details, "details");
            return this;
        }

        /**
         * Whether responses carry the {@code RateLimit} and {@code RateLimit-Policy} headers; {@code true} by default.
         *
         * @param enabled whether to write them
         * @return this builder
         */
        public Builder headers(boolean enabled) {
            this.headers = enabled;
            return this;
        }

        /**
         * Whether each item of the {@code RateLimit} header carries its partition key ({@code pk}, of the draft): the
         * client's, hashed (with the route's, for a route's limits); {@code false} by default.
         *
         * @param enabled whether to write them
         * @return this builder
         */
        public Builder partitionKeys(boolean enabled) {
            this.partitionKeys = enabled;
            return this;
        }

        /**
         * Told each decision, for metrics; nothing by default.
         *
         * @param decisions the observer
         * @return this builder
         */
        public Builder observer(RateLimitObserver decisions) {
            this.observer = Objects.requireNonNull(decisions, "decisions");
            return this;
        }

        /**
         * How a request is answered that a fail-closed store refused because it cannot be reached: {@code 503} (a
         * problem body saying the limiter is unavailable, {@code Retry-After: 1}), the default, or {@code 429} (as a
         * limit's refusal).
         *
         * @param status 503 or 429
         * @return this builder
         * @throws IllegalArgumentException for another status
         */
        public Builder unavailableStatus(int status) {
            if (status != 503 && status != 429) {
                throw new IllegalArgumentException("unavailable status must be 503 or 429 but was " + status);
            }
            this.unavailableStatus = status;
            return this;
        }

        /**
         * The clients never limited, by address or by key; none by default.
         *
         * @param clients the exempt clients
         * @return this builder
         */
        public Builder exemptClients(ExemptClients clients) {
            this.exempt = Objects.requireNonNull(clients, "clients");
            return this;
        }

        /**
         * What each request takes of its limits; its route policy's cost by default.
         *
         * @param cost the cost of each request
         * @return this builder
         */
        public Builder costs(RequestCost cost) {
            this.costs = Objects.requireNonNull(cost, "cost");
            return this;
        }

        /**
         * Whether every limit refuses ({@link Mode#ENFORCE}, the default) or only observes ({@link Mode#SHADOW});
         * a route policy in shadow mode only observes its own limits whatever this says.
         *
         * @param limits the mode of every limit
         * @return this builder
         */
        public Builder mode(Mode limits) {
            this.mode = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * A plan of limits other than the default one (the routes, store and unresolved policy of
         * {@link RateLimitFilter#builder}): the limits of the requests that the {@link #planResolver} puts on it.
         *
         * @param name the plan's name, as the resolver returns it; not {@value PlanResolver#DEFAULT_PLAN}
         * @param routes finds each request's route, with the plan's per-route limits
         * @param store the limiters of the plan's clients, with the plan's global limits
         * @param unresolved the per-route policy of the plan's requests whose route cannot be resolved
         * @return this builder
         * @throws IllegalArgumentException if the name is blank or {@value PlanResolver#DEFAULT_PLAN}
         */
        public Builder plan(String name, RouteResolver routes, RateLimitStore store, RoutePolicy unresolved) {
            return plan(name, routes, store, unresolved, 0);
        }

        /**
         * A plan of limits other than the default one, whose waiting requests get room in the order of
         * {@code priority}.
         *
         * @param name the plan's name, as the resolver returns it; not {@value PlanResolver#DEFAULT_PLAN}
         * @param routes finds each request's route, with the plan's per-route limits
         * @param store the limiters of the plan's clients, with the plan's global limits
         * @param unresolved the per-route policy of the plan's requests whose route cannot be resolved
         * @param priority among requests waiting for room ({@link RoutePolicy#maxWait()}), higher first
         * @return this builder
         * @throws IllegalArgumentException if the name is blank or {@value PlanResolver#DEFAULT_PLAN}
         */
        public Builder plan(String name, RouteResolver routes, RateLimitStore store, RoutePolicy unresolved,
                int priority) {
            if (name.isBlank() || name.equals(PlanResolver.DEFAULT_PLAN)) {
                throw new IllegalArgumentException("a plan's name must not be blank or '"
                        + PlanResolver.DEFAULT_PLAN + "' but was '" + name + "'");
            }
            plans.put(name, new Plan(name, Objects.requireNonNull(routes, "routes"),
                    Objects.requireNonNull(store, "store"), Objects.requireNonNull(unresolved, "unresolved"),
                    priority));
            return this;
        }

        /**
         * The priority of the default plan's waiting requests; 0 by default.
         *
         * @param priority among requests waiting for room, higher first
         * @return this builder
         */
        public Builder defaultPriority(int priority) {
            this.defaultPriority = priority;
            return this;
        }

        /**
         * How many requests may wait for room at once ({@link RoutePolicy#maxWait()}); past them a request is refused
         * at once, unless its plan's priority is higher than a waiting one's, whose place it takes (that one is
         * refused). 50 by default; 0: none waits. Each waits on its request's thread, which it holds unless it is a
         * virtual thread.
         *
         * @param requests the most that wait at once
         * @return this builder
         * @throws IllegalArgumentException if it is negative
         */
        public Builder maxWaiting(int requests) {
            if (requests < 0) {
                throw new IllegalArgumentException("max waiting must be >= 0 but was " + requests);
            }
            this.maxWaiting = requests;
            return this;
        }

        /**
         * Which plan each request's client is on; the default plan for every request by default.
         *
         * @param resolver the resolver
         * @return this builder
         */
        public Builder planResolver(PlanResolver resolver) {
            this.planResolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /**
         * A filter of these options.
         *
         * @return the filter
         */
        public RateLimitFilter build() {
            return new RateLimitFilter(this);
        }
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long start = System.nanoTime();
        Config config = this.config;
        RateLimitObserver observer = config.observer;
        ExemptClients exempt = config.exempt;
        if (exempt.exemptsAddress(request.getRemoteAddr())) { // before the plan: no lookup for an exempt address
            Route route = route(config.defaultPlan, request);
            if (!route.isExempt()) {
                observer.exempted(route);
            }
            chain.doFilter(request, response);
            return;
        }
        Plan plan = plan(config, request);
        Route route = route(plan, request);
        if (route.isExempt()) {
            chain.doFilter(request, response);
            return;
        }
        String client = clientKey(config, request);
        if (exempt.exemptsKey(client)) {
            observer.exempted(route);
            chain.doFilter(request, response);
            return;
        }
        int cost = cost(config, plan, request, route);
        RateLimitStore store = plan.store();
        boolean shadowAll = config.shadowAll;
        RateLimitResponses responses = config.responses;
        RateLimitStore.Attempt attempt = store.tryAcquire(client, route, cost);
        AcquireResult result = attempt.result();
        boolean observedOnly = !(result instanceof Permit) && observesOnly(shadowAll, route, attempt, cost);
        if (observedOnly) {
            String scope = RateLimitResponses.refusedScope(attempt, cost);
            if (!shadowAll) { // only the route's limits observe: the global ones take the use, and may refuse
                attempt = store.tryAcquireGlobal(client, cost);
                result = attempt.result();
                observedOnly = result instanceof Permit;
            }
            if (observedOnly) {
                observer.wouldRefuse(route, scope);
                if (SHADOW_LOG.isInfoEnabled()) {
                    SHADOW_LOG.info("Would refuse " + request.getMethod() + " " + route.key() + " for client #"
                            + Keys.forLog(client) + " (" + scope + " limits, in shadow mode)");
                }
            }
            if (shadowAll) { // no limit refuses: through, without a use
                observer.timed(route, System.nanoTime() - start);
                chain.doFilter(request, response);
                return;
            }
        }
        if (!(result instanceof Permit) && !observedOnly) {
            long beforeWait = System.nanoTime();
            attempt = waitForRoom(config, plan, route, client, cost, attempt);
            result = attempt.result();
            start += System.nanoTime() - beforeWait; // the filter's own time leaves the wait out
        }
        if (!(result instanceof Permit permit)) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("Refused " + request.getMethod() + " " + route.key() + " for client #" + Keys.forLog(client));
            }
            if (attempt.storeUnavailable() && config.unavailableStatus == 503) {
                responses.unavailable(request, response);
            } else {
                responses.refused(request, response, route, attempt, (Refusal) result, cost, client);
            }
            observer.refused(route, RateLimitResponses.refusedScope(attempt, cost));
            observer.timed(route, System.nanoTime() - start);
            return;
        }
        if (!observedOnly) { // a route whose limits would refuse says nothing of them
            responses.admitted(response, route, attempt, client);
        }
        Permit observed = new ObservedPermit(permit, observer, route);
        RefundStatuses refunds = config.refunds;
        CommittingResponse committing = new CommittingResponse(response,
                () -> finish(observed, response.getStatus(), refunds, request));
        observer.timed(route, System.nanoTime() - start);
        boolean async = false;
        try {
            chain.doFilter(request, committing);
            if (request.isAsyncStarted()) {
                request.getAsyncContext().addListener(new FinishOnCompletion(observed, committing));
                async = true;
            }
        } catch (IOException | ServletException | RuntimeException | Error failure) {
            if (isClientDisconnect(failure)) {
                observed.close(); // the handler did its work; the client hung up while it was sent
            } else {
                observed.cancel(); // no-op if the response was already committed and the use finished
            }
            throw failure;
        } finally {
            if (!async) {
                committing.finish();
            }
        }
    }

    /**
     * Ends a request's use once, whichever path ends it, and tells the observer how: counted (admitted) or refunded.
     * Only a request that matched a handler is refunded ({@link Route#matchedHandler()}); {@link #cancel()} counts
     * the use of one that failed before any handler could run.
     */
    private static final class ObservedPermit extends ForwardingPermit {
        private final RateLimitObserver observer;
        private final Route route;

        ObservedPermit(Permit permit, RateLimitObserver observer, Route route) {
            super(permit);
            this.observer = observer;
            this.route = route;
        }

        @Override
        public void cancel() {
            if (route.matchedHandler()) {
                super.cancel();
            } else {
                close();
            }
        }

        @Override
        protected void completed() {
            observer.admitted(route);
        }

        @Override
        protected void cancelled() {
            observer.refunded(route);
        }
    }

    /** The plan of the request's client: the resolver's, or the default one when it names none, fails or names no plan. */
    private Plan plan(Config config, HttpServletRequest request) {
        if (config.plans.isEmpty() && config.planResolver == PlanResolver.DEFAULT) {
            return config.defaultPlan;
        }
        try {
            String name = config.planResolver.resolve(request);
            if (name == null || name.equals(PlanResolver.DEFAULT_PLAN)) {
                return config.defaultPlan;
            }
            Plan plan = config.plans.get(name);
            if (plan != null) {
                return plan;
            }
            planFailures.failed(config.noSuchPlan, "putting the request on the default plan");
        } catch (RuntimeException failed) {
            planFailures.failed(failed, "putting the request on the default plan");
        }
        return config.defaultPlan;
    }

    private Route route(Plan plan, HttpServletRequest request) {
        Route route;
        try {
            route = plan.routes().resolve(request);
        } catch (RuntimeException unexpected) {
            // Never let an odd request through unlimited: it is limited as a request that matches no route.
            routeFailures.failed(unexpected, "limiting the request as one that matches no route");
            route = new Route(Route.UNMATCHED, plan.unresolved());
        }
        return route.isExempt() ? route : route.inPlan(plan.name());
    }

    /**
     * The client's key. Keys from a {@link ClientKeyResolver} are prefixed {@code key:}, so that no value a client
     * sends can collide with another client's address key, and long ones are hashed, so that a cache entry costs
     * little whatever the client sends.
     */
    private String clientKey(Config config, HttpServletRequest request) {
        ClientKeyResolver clientKeys = config.clientKeys;
        RemoteAddressClientKeyResolver addresses = config.addresses;
        try {
            String key = clientKeys.resolve(request);
            if (key != null && !key.isEmpty() && clientKeys != addresses) {
                return resolvedKey(key);
            }
            if (key != null && !key.isEmpty()) {
                return key;
            }
        } catch (RuntimeException failed) {
            clientKeyFailures.failed(failed, "keying the request by its address");
        }
        return addresses.resolve(request);
    }

    /**
     * The cache key of a key a {@link ClientKeyResolver} returned: prefixed {@code key:}, hashed when long.
     *
     * @param key the resolver's key
     * @return the key the limiters are kept under
     */
    static String resolvedKey(String key) {
        // A hashed key has a prefix of its own: no key a resolver returns can be spelled as another's hash.
        return key.length() <= 64 ? "key:" + key : "key#" + Keys.base64Sha256(key);
    }

    /**
     * Whether {@code failure} says the client went away (the response could not be written), rather than that the
     * handler failed: the servers' own exception types, or a broken pipe or reset connection somewhere in the chain.
     */
    private static boolean isClientDisconnect(@Nullable Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (DISCONNECTED.contains(cause.getClass().getSimpleName()) || cause instanceof EOFException) {
                return true;
            }
            String message = cause.getMessage();
            if (message != null) {
                String lower = message.toLowerCase(Locale.ROOT);
                if (lower.contains("broken pipe") || lower.contains("connection reset by peer")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Ends a request's use: refunded on a refund status, else settled at the cost its handler reported
     * ({@link RequestCost#ACTUAL_COST_ATTRIBUTE}) or completed at the cost it took.
     */
    static void finish(Permit permit, int status, RefundStatuses refunds, HttpServletRequest request) {
        if (refunds.contains(status)) {
            permit.cancel();
            return;
        }
        Object actual = request.getAttribute(RequestCost.ACTUAL_COST_ATTRIBUTE);
        long cost = actual instanceof Number number ? number.longValue() : -1;
        if (cost == 0) {
            permit.cancel(); // nothing used: a refund, as the core settles a cost of 0
        } else if (cost > 0) {
            permit.close((int) Math.min(cost, Integer.MAX_VALUE));
        } else {
            permit.close();
        }
    }

    /**
     * Whether a refused attempt only observes: every limit is in shadow mode, or the route's policy is and none of the
     * global limits is known to have refused (a store that cannot be reached refuses as its failure policy says).
     */
    private static boolean observesOnly(boolean shadowAll, Route route, RateLimitStore.Attempt attempt, int cost) {
        if (shadowAll) {
            return true;
        }
        RoutePolicy policy = route.policy();
        if (policy == null || policy.mode() != Mode.SHADOW || attempt.storeUnavailable()) {
            return false;
        }
        // Not known which refused (a store's fallback answered): the global limits alone decide next.
        for (LimitReading limit : attempt.limits()) {
            if (limit.global() && limit.refuses(cost)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A refused attempt, or what waiting for room made of it: a request of a route with a max-wait (not in shadow
     * mode) waits on this thread, if fewer than the most that may are waiting, for the store to admit it.
     */
    private RateLimitStore.Attempt waitForRoom(Config config, Plan plan, Route route, String client, int cost,
            RateLimitStore.Attempt refused) {
        RoutePolicy policy = route.policy();
        if (policy == null || policy.maxWait().isZero() || policy.mode() == Mode.SHADOW
                || !refused.mayBeAdmittedWithin(policy.maxWait().toNanos(), cost)) {
            return refused;
        }
        WaitingRoom.Seat seat = waiting.enter(plan.priority(), config.maxWaiting);
        if (seat == null) {
            config.observer.waited(route, 0, RateLimitObserver.WAIT_FULL);
            return refused;
        }
        long start = System.nanoTime();
        CompletableFuture<RateLimitStore.Attempt> wait = null;
        try {
            wait = plan.store().acquire(client, route, cost, plan.waitOrder(), policy.maxWait());
            // The store ends the wait by its clock; this bounds it on the system's, for a store that never answers.
            CompletableFuture.anyOf(wait, seat.displaced).get(policy.maxWait().toNanos() + WAIT_GRACE_NANOS,
                    TimeUnit.NANOSECONDS);
            if (!wait.isDone()) {
                giveBack(wait);
                config.observer.waited(route, System.nanoTime() - start, RateLimitObserver.WAIT_DISPLACED);
                return refused;
            }
            RateLimitStore.Attempt waited = wait.join();
            config.observer.waited(route, System.nanoTime() - start, waited.result() instanceof Permit
                    ? RateLimitObserver.WAIT_ADMITTED : RateLimitObserver.WAIT_REFUSED);
            return waited;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            giveBack(wait);
            return refused;
        } catch (ExecutionException | TimeoutException | RuntimeException failed) {
            waitFailures.failed(failed instanceof ExecutionException execution && execution.getCause() != null
                    ? execution.getCause() : failed, "refusing the request");
            giveBack(wait);
            return refused;
        } finally {
            waiting.leave(seat);
        }
    }

    /** Refunds the use a wait given up is granted all the same, whenever it is (it ends by the store's max-wait). */
    private static void giveBack(@Nullable CompletableFuture<RateLimitStore.Attempt> wait) {
        if (wait != null) {
            var unused = wait.thenAccept(attempt -> {
                if (attempt.result() instanceof Permit permit) {
                    permit.cancel();
                }
            });
        }
    }

    /** How many requests are waiting for room now. */
    public int waiting() {
        return waiting.size();
    }

    /** The request's cost: the {@link RequestCost}'s, or its route policy's when that fails or is below 1. */
    private int cost(Config config, Plan plan, HttpServletRequest request, Route route) {
        RequestCost costs = config.costs;
        int globalMaxCost = plan.globalMaxCost();
        int fixed = RequestCost.OF_ROUTE.cost(request, route);
        if (costs == RequestCost.OF_ROUTE) {
            return fixed;
        }
        try {
            int cost = costs.cost(request, route);
            RoutePolicy policy = route.policy();
            int most = Math.min(globalMaxCost, policy == null ? Integer.MAX_VALUE : policy.maxCost());
            if (cost > most) {
                costFailures.failed(new IllegalArgumentException("cost " + cost + " is above " + most
                        + ", the most the request's limits admit at once"), "taking " + most);
                return most;
            }
            if (cost >= 1) {
                return cost;
            }
            costFailures.failed(new IllegalArgumentException("cost must be >= 1 but was " + cost),
                    "taking the route's cost of " + fixed);
        } catch (RuntimeException failed) {
            costFailures.failed(failed, "taking the route's cost of " + fixed);
        }
        return fixed;
    }

    /** Finishes an asynchronous request's use when its response is done, if its commit did not already. */
    private static final class FinishOnCompletion implements AsyncListener {

        private final Permit permit;
        private final CommittingResponse response;

        FinishOnCompletion(Permit permit, CommittingResponse response) {
            this.permit = permit;
            this.response = response;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            response.finish();
        }

        @Override
        public void onError(AsyncEvent event) {
            if (isClientDisconnect(event.getThrowable())) {
                permit.close();
            } else {
                permit.cancel();
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            // The container answers the timeout next; onComplete sees its status.
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this);
        }
    }
}
