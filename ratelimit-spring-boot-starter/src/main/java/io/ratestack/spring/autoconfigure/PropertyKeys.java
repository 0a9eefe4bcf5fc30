package io.ratestack.spring.autoconfigure;

import java.beans.PropertyDescriptor;
import java.lang.reflect.Method;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.core.ResolvableType;

/**
 * The keys under {@code ratelimit} as the rate limit properties classes declare them ({@link RateLimitProperties},
 * and {@link RateLimitRedisProperties} and {@link RateLimitClientProperties} under their prefixes): each JavaBean
 * property in kebab case; their nested classes are groups of keys, also as list elements
 * ({@code routes[0].pattern}) and map values ({@code client.targets.<name>.base-url}). Tells whether a key is one
 * of them, and finds the valid key nearest to an unknown one.
 */
final class PropertyKeys {

    /** What a key holds. */
    enum Kind {
        /** A value, such as a number, a duration or a list of strings. */
        VALUE,
        /** Keys below it. */
        GROUP,
        /** A list whose elements hold keys below them. */
        LIST,
        /** A map whose values, under names of the user's choice, hold keys below them. */
        MAP
    }

    /**
     * One key.
     *
     * @param name its name in kebab case
     * @param kind what it holds
     * @param getter its JavaBean getter; {@code null} for the prefix of a properties class of its own
     *     ({@code redis})
     * @param below the keys below it, of each element for a list and of each value for a map; {@code null} for a
     *     value
     */
    record Key(String name, Kind kind, @Nullable Method getter, @Nullable Group below) {

        /** The keys below a group, a list or a map. */
        Group group() {
            if (below == null) {
                throw new IllegalStateException(name + " is a value: no keys are below it");
            }
            return below;
        }
    }

    /**
     * The keys of one properties class.
     *
     * @param type the class
     * @param keys its keys by name, in alphabetical order
     */
    record Group(Class<?> type, Map<String, Key> keys) {
    }

    /** The properties classes, {@link RateLimitProperties} (the prefix {@code ratelimit}) first. */
    static final List<Class<?>> CLASSES = List.of(RateLimitProperties.class, RateLimitRedisProperties.class,
            RateLimitClientProperties.class);

    private static final String PREFIX = "ratelimit";

    /** The keys under {@code ratelimit}. */
    static final Group ROOT = root();

    private PropertyKeys() {
    }

    /** {@link RateLimitProperties}'s keys, and a group for each other class under its prefix's last part. */
    private static Group root() {
        Map<String, Key> keys = new TreeMap<>(group(CLASSES.get(0)).keys());
        for (Class<?> type : CLASSES.subList(1, CLASSES.size())) {
            String prefix = type.getAnnotation(ConfigurationProperties.class).prefix();
            String name = prefix.substring(PREFIX.length() + 1);
            keys.put(name, new Key(name, Kind.GROUP, null, group(type)));
        }
        return new Group(CLASSES.get(0), Collections.unmodifiableMap(keys));
    }

    private static Group group(Class<?> type) {
        Map<String, Key> keys = new TreeMap<>();
        for (PropertyDescriptor property : BeanUtils.getPropertyDescriptors(type)) {
            Method getter = property.getReadMethod();
            if (getter == null || property.getWriteMethod() == null) {
                continue;
            }
            String name = DataObjectPropertyName.toDashedForm(property.getName());
            ResolvableType returned = ResolvableType.forMethodReturnType(getter);
            Class<?> element = returned.asCollection().resolveGeneric(0);
            Class<?> value = returned.asMap().resolveGeneric(1);
            if (isGroup(returned.resolve())) {
                keys.put(name, new Key(name, Kind.GROUP, getter, group(returned.toClass())));
            } else if (List.class.isAssignableFrom(returned.toClass()) && element != null && isGroup(element)) {
                keys.put(name, new Key(name, Kind.LIST, getter, group(element)));
            } else if (Map.class.isAssignableFrom(returned.toClass()) && value != null && isGroup(value)) {
                keys.put(name, new Key(name, Kind.MAP, getter, group(value)));
            } else {
                keys.put(name, new Key(name, Kind.VALUE, getter, null));
            }
        }
        return new Group(type, Collections.unmodifiableMap(keys));
    }

    private static boolean isGroup(@Nullable Class<?> type) {
        return type != null && type.getEnclosingClass() != null && CLASSES.contains(type.getEnclosingClass())
                && !type.isEnum();
    }

    /**
     * The key {@code name} names, or {@code null} when it names none.
     *
     * @param name a name under {@code ratelimit}, list indexes and map names included
     */
    static @Nullable Key find(ConfigurationPropertyName name) {
        Group group = ROOT;
        Key key = null;
        for (int i = 1; i < name.getNumberOfElements(); i++) {
            if (group == null) {
                return null;
            }
            key = exact(group, name.getElement(i, Form.UNIFORM));
            if (key == null) {
                return null;
            }
            if ((key.kind() == Kind.LIST || key.kind() == Kind.MAP) && i + 1 < name.getNumberOfElements()) {
                i++;
            }
            group = key.below();
        }
        return key;
    }

    /**
     * Whether {@code name} is a key of the properties classes: a value (list indexes after it included, as in
     * {@code refund-statuses[0]}) or a group, list or map, which Spring Boot fails to convert a value to.
     *
     * @param name a name under {@code ratelimit}
     */
    static boolean isKnown(ConfigurationPropertyName name) {
        Group group = ROOT;
        Key key = null;
        for (int i = 1; i < name.getNumberOfElements(); i++) {
            if (group == null) {
                Method getter = key == null ? null : key.getter();
                return name.isNumericIndex(i) && i + 1 == name.getNumberOfElements() && getter != null
                        && List.class.isAssignableFrom(getter.getReturnType());
            }
            key = exact(group, name.getElement(i, Form.UNIFORM));
            if (key == null) {
                return false;
            }
            if ((key.kind() == Kind.LIST || key.kind() == Kind.MAP) && i + 1 < name.getNumberOfElements()) {
                i++;
            }
            group = key.below();
        }
        return true;
    }

    /**
     * The valid key nearest to an unknown one, such as {@code ratelimit.global.limit} for
     * {@code ratelimit.globall.limit}: every part of it at most a few edits away from the unknown key's, list
     * indexes and map names kept; {@code null} when none is that close.
     *
     * @param unknown a name under {@code ratelimit}
     */
    static @Nullable String nearest(ConfigurationPropertyName unknown) {
        Match match = nearest(ROOT, unknown, 1, PREFIX, 0);
        return match == null ? null : match.name();
    }

    /**
     * The deepest group that {@code unknown} names exactly, and its name: where the unknown key stopped matching.
     *
     * @return the group's name ({@code ratelimit.global}) and the group
     */
    static Map.Entry<String, Group> deepestMatch(ConfigurationPropertyName unknown) {
        Group group = ROOT;
        StringBuilder name = new StringBuilder(PREFIX);
        for (int i = 1; i < unknown.getNumberOfElements(); i++) {
            Key key = exact(group, unknown.getElement(i, Form.UNIFORM));
            if (key == null || key.below() == null) {
                break;
            }
            name.append('.').append(key.name());
            if (key.kind() == Kind.LIST || key.kind() == Kind.MAP) {
                if (i + 1 >= unknown.getNumberOfElements()) {
                    break;
                }
                i++;
                name.append(element(key.kind(), unknown.getElement(i, Form.ORIGINAL)));
            }
            group = key.below();
        }
        return Map.entry(name.toString(), group);
    }

    private record Match(String name, int cost) {
    }

    private static @Nullable Match nearest(Group group, ConfigurationPropertyName unknown, int index, String prefix,
            int cost) {
        int size = unknown.getNumberOfElements();
        if (index >= size) {
            return null; // the unknown key ends at a group, which takes no value
        }
        String element = unknown.getElement(index, Form.UNIFORM);
        Match best = null;
        for (Key key : group.keys().values()) {
            int distance = distance(element, uniform(key.name()));
            if (distance > Math.max(1, element.length() / 3)) {
                continue;
            }
            String name = prefix + "." + key.name();
            int next = index + 1;
            Match match = switch (key.kind()) {
                // Parts past a value cost their count: redis.url.host is nearest to redis.url.
                case VALUE -> new Match(name, cost + distance + 2 * (size - next));
                case GROUP -> nearest(key.group(), unknown, next, name, cost + distance);
                case LIST -> next < size && unknown.isNumericIndex(next)
                        ? nearest(key.group(), unknown, next + 1,
                                name + element(Kind.LIST, unknown.getElement(next, Form.ORIGINAL)), cost + distance)
                        : nearest(key.group(), unknown, next, name + "[0]", cost + distance + 1);
                case MAP -> next < size
                        ? nearest(key.group(), unknown, next + 1,
                                name + element(Kind.MAP, unknown.getElement(next, Form.ORIGINAL)), cost + distance)
                        : null;
            };
            if (match != null && (best == null || match.cost() < best.cost())) {
                best = match;
            }
        }
        return best;
    }

    private static @Nullable Key exact(Group group, String uniformElement) {
        for (Key key : group.keys().values()) {
            if (uniform(key.name()).equals(uniformElement)) {
                return key;
            }
        }
        return null;
    }

    private static String element(Kind kind, String element) {
        return kind == Kind.LIST || element.indexOf('.') >= 0 ? "[" + element + "]" : "." + element;
    }

    /** A name as Spring Boot's relaxed binding compares it: lower case, without dashes. */
    private static String uniform(String name) {
        return ConfigurationPropertyName.of(name).getElement(0, Form.UNIFORM);
    }

    /** How many insertions, deletions, substitutions and swaps of neighbours turn {@code a} into {@code b}. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int substitution = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + substitution);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
