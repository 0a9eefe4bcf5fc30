package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps the documentation's examples compiled: each module's tests hold them between {@code // tag::name[]} and
 * {@code // end::name[]}, and this checks that the document they belong to (the README or a file under
 * {@code docs/}) shows each as written there. Shared through this module's test jar.
 */
public final class DocSnippets {

    private static final Pattern TAGGED =
            Pattern.compile("// tag::([\\w-]+)\\[]\\n(.*?)\\n\\s*// end::\\1\\[]", Pattern.DOTALL);

    private DocSnippets() {
    }

    /**
     * Asserts that {@code doc} shows every tagged example of {@code source}.
     *
     * @param doc the document, relative to the root of the build: {@code README.md} or {@code docs/core.md}, ...
     * @param source a test source file, relative to the module
     * @param expected how many tagged examples the file holds
     * @throws IOException if a file cannot be read
     */
    public static void assertShows(String doc, String source, int expected) throws IOException {
        String code = Files.readString(Path.of(source));
        String shown = normalize(Files.readString(Path.of("..").resolve(doc)));
        Matcher tags = TAGGED.matcher(code);
        int examples = 0;
        while (tags.find()) {
            examples++;
            assertThat(shown).as("%s shows example '%s' of %s", doc, tags.group(1), source)
                    .contains(normalize(tags.group(2)));
        }
        assertThat(examples).as("tagged examples in %s", source).isEqualTo(expected);
    }

    /**
     * Asserts that {@code doc} shows the whole of {@code source}, a configuration file a test loads (YAML): its
     * lines from the first that is not a comment.
     *
     * @param doc the document, relative to the root of the build
     * @param source a test resource, relative to the module
     * @throws IOException if a file cannot be read
     */
    public static void assertShowsWhole(String doc, String source) throws IOException {
        String text = Files.readString(Path.of(source)).lines().dropWhile(line -> line.startsWith("#"))
                .reduce("", (a, b) -> a + b + "\n");
        assertThat(normalize(Files.readString(Path.of("..").resolve(doc)))).as("%s shows %s", doc, source)
                .contains(normalize(text));
    }

    /** Indentation-blind: the documents' code blocks are not indented like a method body. */
    private static String normalize(String text) {
        return text.lines().map(String::strip).filter(line -> !line.isEmpty()).reduce("", (a, b) -> a + b + "\n");
    }
}
