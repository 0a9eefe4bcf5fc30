package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps the README's examples compiled: each module's tests hold them between {@code // tag::name[]} and
 * {@code // end::name[]}, and this checks that the README shows each as written there. Shared through this module's
 * test jar.
 */
public final class ReadmeSnippets {

    private static final Pattern TAGGED =
            Pattern.compile("// tag::([\\w-]+)\\[]\\n(.*?)\\n\\s*// end::\\1\\[]", Pattern.DOTALL);

    private ReadmeSnippets() {
    }

    /**
     * Asserts that the README at the root of the build shows every tagged example of {@code source}.
     *
     * @param source a test source file, relative to the module
     * @param expected how many tagged examples the file holds
     * @throws IOException if a file cannot be read
     */
    public static void assertReadmeShows(String source, int expected) throws IOException {
        String code = Files.readString(Path.of(source));
        String readme = normalize(Files.readString(Path.of("../README.md")));
        Matcher tags = TAGGED.matcher(code);
        int examples = 0;
        while (tags.find()) {
            examples++;
            assertThat(readme).as("README example '%s'", tags.group(1)).contains(normalize(tags.group(2)));
        }
        assertThat(examples).as("tagged examples in %s", source).isEqualTo(expected);
    }

    /** Indentation-blind: the README's code blocks are not indented like a method body. */
    private static String normalize(String text) {
        return text.lines().map(String::strip).filter(line -> !line.isEmpty()).reduce("", (a, b) -> a + b + "\n");
    }
}
