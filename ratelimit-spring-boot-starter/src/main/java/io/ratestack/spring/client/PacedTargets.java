package io.ratestack.spring.client;

import java.net.URI;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The servers whose requests are paced; a request goes to the first target it matches, or is not paced.
 *
 * @param targets the targets, first match wins
 */
public record PacedTargets(List<PacedTarget> targets) {

    /** @param targets the targets, first match wins */
    public PacedTargets {
        targets = List.copyOf(targets);
    }

    /**
     * A single target.
     *
     * @param target the target
     * @return the targets
     */
    public static PacedTargets of(PacedTarget target) {
        return new PacedTargets(List.of(target));
    }

    /**
     * The target of a request.
     *
     * @param uri the request's URI
     * @return its target, or {@code null} if it is not paced
     */
    public @Nullable PacedTarget find(URI uri) {
        for (PacedTarget target : targets) {
            if (target.matches(uri)) {
                return target;
            }
        }
        return null;
    }

    /** Whether no request is paced. */
    public boolean isEmpty() {
        return targets.isEmpty();
    }
}
