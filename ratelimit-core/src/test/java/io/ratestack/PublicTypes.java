package io.ratestack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The public types of a module, read from its compiled classes: for the tests that list each module's public types
 * and so make a new public type a visible decision. Shared with the other modules through the core's test jar.
 */
public final class PublicTypes {

    private PublicTypes() {
    }

    /**
     * The types that code outside their package can name (top-level and nested, public or protected all the way out),
     * among the classes in the directory or jar that holds {@code anchor} and whose package starts with
     * {@code packagePrefix}; each as its binary name relative to {@code packagePrefix}, nested ones with {@code $}
     * ({@code web.RateLimitStore$Attempt}), sorted.
     */
    public static List<String> of(Class<?> anchor, String packagePrefix) {
        Path location;
        try {
            location = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("no location for " + anchor, e);
        }
        TreeSet<String> names = new TreeSet<>();
        try {
            if (Files.isDirectory(location)) {
                collect(location, packagePrefix, anchor.getClassLoader(), names);
            } else {
                try (FileSystem jar = FileSystems.newFileSystem(location, Map.of())) {
                    collect(jar.getPath("/"), packagePrefix, anchor.getClassLoader(), names);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ArrayList<>(names);
    }

    private static void collect(Path root, String packagePrefix, ClassLoader loader, TreeSet<String> names)
            throws IOException {
        Path packageRoot = root.resolve(packagePrefix.replace('.', '/'));
        if (!Files.isDirectory(packageRoot)) {
            throw new IllegalStateException("no package " + packagePrefix + " in " + root);
        }
        try (Stream<Path> files = Files.walk(packageRoot)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String relative = root.relativize(file).toString().replace('\\', '/');
                if (!relative.endsWith(".class") || relative.endsWith("package-info.class")
                        || relative.endsWith("module-info.class")) {
                    continue;
                }
                String binaryName = relative.substring(0, relative.length() - ".class".length()).replace('/', '.');
                if (isApi(load(binaryName, loader))) {
                    names.add(binaryName.substring(packagePrefix.length() + 1));
                }
            }
        }
    }

    private static Class<?> load(String binaryName, ClassLoader loader) {
        try {
            return Class.forName(binaryName, false, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(binaryName, e);
        }
    }

    private static boolean isApi(Class<?> type) {
        if (type.isAnonymousClass() || type.isLocalClass() || type.isSynthetic()) {
            return false;
        }
        for (Class<?> enclosing = type; enclosing != null; enclosing = enclosing.getDeclaringClass()) {
            int modifiers = enclosing.getModifiers();
            if (!Modifier.isPublic(modifiers) && !Modifier.isProtected(modifiers)) {
                return false;
            }
        }
        return true;
    }
}
