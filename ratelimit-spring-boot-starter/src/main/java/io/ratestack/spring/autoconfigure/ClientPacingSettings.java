package io.ratestack.spring.autoconfigure;

import io.ratestack.Clock;
import io.ratestack.Limit;
import io.ratestack.client.RequestPacer;
import io.ratestack.spring.client.PacedTarget;
import io.ratestack.spring.client.PacedTargets;
import io.ratestack.spring.web.RateLimitConfigurationException;
import io.ratestack.spring.web.RefundStatuses;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code ratelimit.client.targets}, checked and made into paced targets; errors name the property and value. */
final class ClientPacingSettings {

    private ClientPacingSettings() {
    }

    static PacedTargets targets(RateLimitClientProperties pacing, Clock clock) {
        List<PacedTarget> targets = new ArrayList<>();
        for (Map.Entry<String, RateLimitClientProperties.Target> entry : pacing.getTargets().entrySet()) {
            targets.add(target("ratelimit.client.targets." + entry.getKey(), entry.getKey(), entry.getValue(),
                    clock));
        }
        return new PacedTargets(targets);
    }

    private static PacedTarget target(String property, String name, RateLimitClientProperties.Target target,
            Clock clock) {
        URI baseUrl = target.getBaseUrl();
        if (baseUrl == null || baseUrl.getHost() == null || baseUrl.getScheme() == null) {
            throw new RateLimitConfigurationException(property + ".base-url", String.valueOf(baseUrl),
                    "must be an absolute URL such as http://localhost:8000");
        }
        if (target.getGlobal() == null && target.getPerPath() == null) {
            throw new RateLimitConfigurationException(property, name,
                    "needs limits: set " + property + ".global or " + property + ".per-path");
        }
        RequestPacer.Builder pacer = RequestPacer.builder().clock(clock)
                .honourRetryAfter(target.isHonourRetryAfter());
        RateLimitClientProperties.PacedScope global = target.getGlobal();
        if (global != null) {
            pacer.global(timesPer(property + ".global", global, "global"));
        }
        RateLimitClientProperties.PacedScope perPath = target.getPerPath();
        if (perPath != null) {
            pacer.perKey(timesPer(property + ".per-path", perPath, "path"));
        }
        RefundStatuses refunds = RateLimitSettings.refundStatuses(property + ".refund-statuses",
                target.getRefundStatuses());
        pacer.refundStatuses(refunds::contains);
        if (target.getMaximumKeys() <= 0) {
            throw new RateLimitConfigurationException(property + ".maximum-keys",
                    String.valueOf(target.getMaximumKeys()), "must be > 0");
        }
        pacer.maximumKeys(target.getMaximumKeys());
        if (target.getMaxWait() == null || target.getMaxWait().isNegative()) {
            throw new RateLimitConfigurationException(property + ".max-wait", String.valueOf(target.getMaxWait()),
                    "must be >= 0");
        }
        return new PacedTarget(name, baseUrl, pacer.build(), target.getKey(), target.getMaxWait());
    }

    /** A paced scope's limits, all times-per: its properties have no other algorithm's keys. */
    private static Limit[] timesPer(String property, RateLimitClientProperties.PacedScope scope, String name) {
        return RateLimitSettings.scope(property, scope, scope.getStacked(), name).stream()
                .map(Limit.class::cast).toArray(Limit[]::new);
    }
}
