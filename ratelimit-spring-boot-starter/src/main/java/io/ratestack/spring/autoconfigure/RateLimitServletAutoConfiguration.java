package io.ratestack.spring.autoconfigure;


import com.github.benmanes.caffeine.cache.Caffeine;
import io.ratestack.Clock;
import io.ratestack.RateLimiter;
import io.ratestack.spring.web.ClientKeyResolver;
import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.MvcRouteResolver;
import io.ratestack.spring.web.PlanResolver;
import io.ratestack.spring.web.RateLimitConfigurationException;
import io.ratestack.spring.web.RateLimitFilter;
import io.ratestack.spring.web.RateLimitObserver;
import io.ratestack.spring.web.RateLimitStore;
import io.ratestack.spring.web.RemoteAddressClientKeyResolver;
import io.ratestack.spring.web.RequestCost;
import io.ratestack.spring.web.RouteResolver;
import jakarta.servlet.DispatcherType;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.server.ConfigurableWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.ImportRuntimeHints;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.HandlerMapping;

/**
 * Rate limits a Spring MVC application: registers {@link RateLimitFilter} as {@code rateLimitFilter}, with the
 * route resolver, client keys and limiter caches it uses. Each bean backs off when the application declares its own.
 */
@AutoConfiguration(after = RateLimitAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({RateLimiter.class, DispatcherServlet.class, Caffeine.class})
@ConditionalOnProperty(prefix = "ratelimit", name = "enabled", havingValue = "true", matchIfMissing = true)
@ImportRuntimeHints(RateLimitRuntimeHints.class)
public class RateLimitServletAutoConfiguration {

    private static final Log LOG = LogFactory.getLog(RateLimitServletAutoConfiguration.class);

    /** The name of the filter's registration. */
    public static final String FILTER_NAME = "rateLimitFilter";

    @Bean
    RateLimitSettings rateLimitSettings(RateLimitProperties properties, RateLimitRedisProperties redis,
            ApplicationContext context) {
        ClassLoader classLoader = context.getClassLoader();
        return new RateLimitSettings(properties, redis,
                classLoader != null ? classLoader : RateLimitSettings.class.getClassLoader());
    }

    /** Keys clients by address, grouped by prefix as configured, unless the application has its own resolver. */
    @Bean
    @ConditionalOnMissingBean(ClientKeyResolver.class)
    public RemoteAddressClientKeyResolver rateLimitClientKeyResolver(RateLimitSettings settings) {
        return settings.addresses;
    }

    /**
     * The limiters of every client, in memory, unless another store is configured ({@code ratelimit.store}).
     *
     * @throws RateLimitConfigurationException if {@code ratelimit.store} binds as {@code redis} but is spelled so
     *     that the Redis store's condition, which compares the text, does not match it ({@code "redis "},
     *     {@code re-dis}), or the Redis store's auto-configuration is excluded: the application would otherwise run on
     *     memory while its configuration says Redis
     */
    @Bean
    @ConditionalOnMissingBean(RateLimitStore.class)
    public MemoryRateLimitStore memoryRateLimitStore(RateLimitSettings settings, Clock clock,
            Environment environment) {
        if (settings.redisStore) {
            String written = String.valueOf(environment.getProperty("ratelimit.store"));
            throw new RateLimitConfigurationException("ratelimit.store", written, written.equalsIgnoreCase("redis")
                    ? "the Redis store's auto-configuration (RateLimitRedisAutoConfiguration) did not run: include it,"
                            + " declare a RateLimitStore bean, or use memory"
                    : "write it as redis");
        }
        return new MemoryRateLimitStore(clock, settings.global, settings.globalCache, settings.routeCache);
    }

    /**
     * The actuator's handler mappings (its endpoints, and the additional health paths such as {@code /livez}), in
     * Spring Boot 4 and 3.5.
     */
    static final List<String> MANAGEMENT_MAPPINGS = List.of(
            "org.springframework.boot.webmvc.actuate.endpoint.web.AbstractWebMvcEndpointHandlerMapping",
            "org.springframework.boot.webmvc.actuate.endpoint.web.AdditionalHealthEndpointPathsWebMvcHandlerMapping",
            "org.springframework.boot.webmvc.actuate.endpoint.web.ControllerEndpointHandlerMapping",
            "org.springframework.boot.actuate.endpoint.web.servlet.AbstractWebMvcEndpointHandlerMapping",
            "org.springframework.boot.actuate.endpoint.web.servlet.AdditionalHealthEndpointPathsWebMvcHandlerMapping",
            "org.springframework.boot.actuate.endpoint.web.servlet.ControllerEndpointHandlerMapping");

    /**
     * Resolves each request's route with the application's own handler mappings; requests the actuator's endpoints
     * answer are exempt unless {@code ratelimit.limit-management-endpoints} is set.
     */
    @Bean
    @ConditionalOnMissingBean(RouteResolver.class)
    public MvcRouteResolver rateLimitRouteResolver(RateLimitSettings settings, RateLimitProperties properties,
            ObjectProvider<HandlerMapping> handlerMappings) {
        return new MvcRouteResolver(() -> handlerMappings.orderedStream().toList(), settings.perRoute,
                settings.excludedPaths, settings.overrides,
                properties.getRouteKey() == RateLimitProperties.RouteKey.PATH,
                properties.isLimitManagementEndpoints() ? mapping -> false
                        : instanceOfAny(MANAGEMENT_MAPPINGS));
    }

    /**
     * Whether a mapping's class or a superclass has one of the names: by name, so that no class is loaded
     * reflectively (which a native image would need hints for) and missing ones cost nothing.
     */
    private static Predicate<HandlerMapping> instanceOfAny(List<String> typeNames) {
        Set<String> names = Set.copyOf(typeNames);
        return mapping -> {
            for (Class<?> type = mapping.getClass(); type != null; type = type.getSuperclass()) {
                if (names.contains(type.getName())) {
                    return true;
                }
            }
            return false;
        };
    }

    /**
     * Reads every {@code @RateLimit} once the application is up, failing startup on a bad one (a cost that the global
     * limits of a plan could never admit too), and logs the limits.
     */
    @Bean
    static SmartInitializingSingleton rateLimitStartupCheck(ObjectProvider<RouteResolver> routes,
            ObjectProvider<RateLimitSettings> settings, ObjectProvider<RateLimitRefresher> refresher,
            ObjectProvider<PlanResolver> plans) {
        return () -> {
            RouteResolver resolver = routes.getIfAvailable();
            RateLimitSettings checked = settings.getObject();
            if (resolver instanceof MvcRouteResolver mvc) {
                mvc.initialize();
                refresher.ifAvailable(RateLimitRefresher::checkAnnotations);
                LOG.info("Rate limiting HTTP requests per client: " + checked.describe()
                        + (mvc.annotatedPolicies().isEmpty() ? ""
                                : ", " + mvc.annotatedPolicies().size() + " @RateLimit handler(s)"));
            }
            if (!checked.plans.isEmpty() && plans.getIfAvailable() == null) {
                LOG.warn("ratelimit.plans names " + checked.plans.keySet() + " but no PlanResolver bean puts a"
                        + " client on them: every request is on the default plan (the top-level limits)");
            }
        };
    }

    /**
     * Applies the limits, and what changes them at runtime: {@link RateLimitRefresher#set} and, with Spring Cloud,
     * a refreshed environment.
     */
    @Bean
    @ConditionalOnMissingBean
    public RateLimitRefresher rateLimitRefresher(ConfigurableEnvironment environment, ApplicationContext context,
            RateLimitSettings settings, RateLimitProperties properties, RouteResolver routes,
            ClientKeyResolver clientKeys, RateLimitStore store, ObjectProvider<RateLimitObserver> observers,
            ObjectProvider<RequestCost> costs, ObjectProvider<PlanResolver> plans) {
        ClassLoader classLoader = context.getClassLoader();
        return new RateLimitRefresher(environment,
                classLoader != null ? classLoader : RateLimitRefresher.class.getClassLoader(), settings, properties,
                routes, store, clientKeys, observers.getIfAvailable(() -> RateLimitObserver.NONE),
                costs.getIfAvailable(() -> RequestCost.OF_ROUTE), plans.getIfAvailable(() -> PlanResolver.DEFAULT));
    }

    /**
     * With Spring Cloud Context: a refreshed environment ({@code /actuator/refresh}, a config server's change) that
     * names a key under {@code ratelimit} refreshes the limits ({@link RateLimitRefresher#refresh()}); an invalid one is
     * logged and changes nothing.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.cloud.context.environment.EnvironmentChangeEvent")
    static class EnvironmentRefresh {

        @Bean
        static RateLimitEnvironmentChangeListener rateLimitEnvironmentChangeListener(
                ObjectProvider<RateLimitRefresher> refresher, ConfigurableEnvironment environment) {
            RateLimitEnvironmentChangeListener.keepPropertiesBeansFromRebinding(environment);
            return new RateLimitEnvironmentChangeListener(refresher);
        }
    }

    /**
     * On Tomcat, closes the connection after a refusal of a request with a body instead of reading the body to its
     * end, so that slow bodies cannot hold worker threads ({@link UnreadBodyValve}).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"org.apache.catalina.valves.ValveBase",
            "org.springframework.boot.web.server.WebServerFactoryCustomizer"})
    static class Tomcat {

        @Bean
        static WebServerFactoryCustomizer<ConfigurableWebServerFactory> rateLimitUnreadBodyValve() {
            return UnreadBodyValve::addTo;
        }
    }

    /** The filter, registered before Spring Security's chain by default. */
    @Bean
    @ConditionalOnMissingBean(name = "rateLimitFilterRegistration")
    public FilterRegistrationBean<RateLimitFilter> rateLimitFilterRegistration(RateLimitRefresher refresher,
            RateLimitProperties properties) {
        FilterRegistrationBean<RateLimitFilter> registration = new FilterRegistrationBean<>(refresher.filter());
        registration.setName(FILTER_NAME);
        registration.setOrder(properties.getFilter().getOrder());
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        registration.setAsyncSupported(true);
        return registration;
    }
}
