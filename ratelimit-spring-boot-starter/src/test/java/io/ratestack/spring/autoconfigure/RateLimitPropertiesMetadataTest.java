package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.json.JsonParserFactory;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.core.ResolvableType;
import org.springframework.core.convert.TypeDescriptor;

/**
 * The configuration metadata IDEs read, generated from {@link RateLimitProperties}, {@link RateLimitRedisProperties},
 * {@link RateLimitClientProperties} and
 * {@code additional-spring-configuration-metadata.json}, against the defaults the application really gets.
 */
class RateLimitPropertiesMetadataTest {

    /** A key under {@code ratelimit} with a metadata entry of its own, and its default as bound. */
    private record Entry(String name, PropertyKeys.Key key, Object value) {
    }

    private static Map<String, Map<String, Object>> properties;
    private static List<Map<String, Object>> hints;
    private static List<Entry> keys;
    private static Map<String, Object> derived;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void readTheMetadataAndTheDefaults() throws IOException {
        Map<String, Object> metadata = metadata();
        properties = new LinkedHashMap<>();
        for (Object property : (List<Object>) metadata.get("properties")) {
            Map<String, Object> entry = (Map<String, Object>) property;
            properties.put((String) entry.get("name"), entry);
        }
        hints = (List<Map<String, Object>>) (List<?>) metadata.getOrDefault("hints", List.of());
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                        RateLimitServletAutoConfiguration.class))
                .run(context -> {
                    keys = new ArrayList<>();
                    entries(PropertyKeys.ROOT, "ratelimit", context.getBean(RateLimitProperties.class), keys,
                            context::getBean);
                    RateLimitSettings settings = context.getBean(RateLimitSettings.class);
                    // Not set, these are named by RateLimitSettings.
                    derived = Map.of("ratelimit.global.name", settings.global.get(0).name(),
                            "ratelimit.per-route.name", settings.perRoute.limits().get(0).name());
                });
    }

    /** The metadata of this module: the classpath holds Spring Boot's own too. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> metadata() throws IOException {
        for (URL url : Collections.list(RateLimitPropertiesMetadataTest.class.getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"))) {
            try (InputStream in = url.openStream()) {
                Map<String, Object> metadata = JsonParserFactory.getJsonParser()
                        .parseMap(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                for (Object group : (List<Object>) metadata.getOrDefault("groups", List.of())) {
                    if ("ratelimit".equals(((Map<String, Object>) group).get("name"))) {
                        return metadata;
                    }
                }
            }
        }
        throw new IllegalStateException("no configuration metadata for ratelimit on the classpath");
    }

    /** Values, lists and maps: IDEs show an entry of each; groups hold more of them. */
    private static void entries(PropertyKeys.Group group, String prefix, Object bean, List<Entry> entries,
            Function<Class<?>, Object> beans) {
        for (PropertyKeys.Key key : group.keys().values()) {
            Object value;
            try {
                // A properties class of its own has no getter: its bean holds its defaults.
                value = key.getter() == null ? beans.apply(key.below().type()) : key.getter().invoke(bean);
            } catch (IllegalAccessException | InvocationTargetException unreadable) {
                throw new IllegalStateException(unreadable);
            }
            String name = prefix + "." + key.name();
            if (key.kind() == PropertyKeys.Kind.GROUP) {
                entries(key.below(), name, value, entries, beans);
            } else {
                entries.add(new Entry(name, key, value));
            }
        }
    }

    @Test
    void everyKeyShowsTheDefaultThatApplies() {
        SoftAssertions softly = new SoftAssertions();
        for (Entry entry : keys) {
            Map<String, Object> metadata = properties.get(entry.name());
            softly.assertThat(metadata).as("metadata of %s", entry.name()).isNotNull();
            if (metadata == null) {
                continue;
            }
            Object applies = derived.getOrDefault(entry.name(), entry.value());
            boolean none = applies == null || applies instanceof Collection<?> empty && empty.isEmpty()
                    || applies instanceof Map<?, ?> map && map.isEmpty();
            Object shown = metadata.get("defaultValue");
            if (none) {
                softly.assertThat(shown).as("default of %s", entry.name()).isNull();
            } else {
                softly.assertThat(shown).as("default of %s", entry.name()).isNotNull();
                if (shown != null) {
                    TypeDescriptor type = new TypeDescriptor(ResolvableType.forMethodReturnType(entry.key().getter()),
                            null, null);
                    softly.assertThat(ApplicationConversionService.getSharedInstance()
                            .convert(shown, TypeDescriptor.forObject(shown), type))
                            .as("default of %s, shown as %s", entry.name(), shown).isEqualTo(applies);
                }
            }
        }
        softly.assertAll();
    }

    @Test
    void theMetadataNamesOnlyRealKeys() {
        List<String> real = keys.stream().map(Entry::name).toList();

        assertThat(properties.keySet().stream().filter(name -> name.startsWith("ratelimit.")))
                .containsExactlyInAnyOrderElementsOf(real);
    }

    @Test
    void everyKeyHasAPlainDescription() {
        SoftAssertions softly = new SoftAssertions();
        for (Entry entry : keys) {
            Object description = properties.getOrDefault(entry.name(), Map.of()).get("description");
            softly.assertThat(description).as("description of %s", entry.name()).asString().isNotBlank()
                    .doesNotContain("{@");
        }
        softly.assertAll();
    }

    @Test
    void listsAndMapsDescribeTheKeysOfTheirItems() {
        SoftAssertions softly = new SoftAssertions();
        for (Entry entry : keys) {
            if (entry.key().kind() == PropertyKeys.Kind.VALUE) {
                continue;
            }
            String description = String.valueOf(properties.getOrDefault(entry.name(), Map.of()).get("description"));
            for (String item : entry.key().below().keys().keySet()) {
                softly.assertThat(description).as("description of %s", entry.name()).contains("`" + item + "`");
            }
        }
        softly.assertAll();
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyHintIsOfARealKeyAndEveryValueItSuggestsIsAccepted() {
        List<String> real = keys.stream().map(Entry::name).toList();
        SoftAssertions softly = new SoftAssertions();
        for (Map<String, Object> hint : hints) {
            String name = (String) hint.get("name");
            if (!name.startsWith("ratelimit.")) {
                continue;
            }
            softly.assertThat(real).as("hint of %s", name).contains(name);
            for (Object value : (List<Object>) hint.get("values")) {
                Object suggested = ((Map<String, Object>) value).get("value");
                softly.assertThatCode(() -> settings(name, String.valueOf(suggested)))
                        .as("%s=%s", name, suggested).doesNotThrowAnyException();
            }
        }
        softly.assertAll();
    }

    private static void settings(String name, String value) {
        Binder binder = new Binder(new MapConfigurationPropertySource(Map.of(name, value)));
        new RateLimitSettings(binder.bindOrCreate("ratelimit", RateLimitProperties.class),
                binder.bindOrCreate("ratelimit.redis", RateLimitRedisProperties.class));
    }
}
