package io.backprop4j.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every file or folder of the repository that the README names exists in the clone. */
class ReadmePathsTest {
    private static final Path ROOT = Path.of("..");
    /** Top-level folders of the repository: a `path/like/this` starting with one of them is a repository path. */
    private static final Set<String> TOP = Set.of("bin", "docs", "tools", "backprop4j-core", "backprop4j-cli", "backprop4j-examples",
            "backprop4j-bench", "backprop4j-onnx", "backprop4j-spark", ".ci");
    /** Folders that commands create, named in the README as where their output lands. */
    private static final Set<String> MADE_BY_COMMANDS = Set.of("tools/fuzz/out");

    static Set<String> namedPaths(String readme) {
        Set<String> paths = new TreeSet<>();
        // `code spans` and (link targets), split into words: commands name their files as arguments.
        Matcher m = Pattern.compile("`([^`\\n]+)`|\\]\\(([^)\\s]+)\\)").matcher(readme);
        while (m.find()) {
            String text = m.group(1) != null ? m.group(1) : m.group(2);
            for (String word : text.split("[\\s=]+")) {
                word = word.replaceAll("[,;:.)]+$", "");
                int slash = word.indexOf('/');
                if (slash > 0 && TOP.contains(word.substring(0, slash)) && !word.matches(".*[*<>{}$].*")) paths.add(word);
                else if (TOP.contains(word) && word.startsWith(".")) paths.add(word);
            }
        }
        return paths;
    }

    @Test
    void everyPathTheReadmeNamesExists() throws IOException {
        Set<String> paths = namedPaths(Files.readString(ROOT.resolve("README.md")));
        assertTrue(paths.size() >= 10, "found too few paths in the README: " + paths);
        List<String> missing = new ArrayList<>();
        for (String p : paths) {
            if (MADE_BY_COMMANDS.stream().noneMatch(p::startsWith) && !Files.exists(ROOT.resolve(p))) missing.add(p);
        }
        assertTrue(missing.isEmpty(), "the README names paths that do not exist: " + missing);
    }

    @Test
    void theDetectorFindsPathsInCodeSpansCommandsAndLinks() {
        assertTrue(namedPaths("see `docs/a.md`, run `bin/backprop4j check backprop4j-examples/x.yaml y`, ![p](docs/p.png)")
                .containsAll(Set.of("docs/a.md", "bin/backprop4j", "backprop4j-examples/x.yaml", "docs/p.png")));
        assertTrue(namedPaths("`io/backprop4j/x` `src/main/resources/<package>/x` `docs/*.png`").isEmpty());
    }

    /** The exercise files a newcomer finds under backprop4j-examples are the ones the tool embeds and the tests grade. */
    @Test
    void theExerciseFilesAreTheEmbeddedOnes() throws IOException {
        Path here = ROOT.resolve("backprop4j-examples/exercise-6.1");
        assertArrayEquals(Files.readAllBytes(ROOT.resolve("backprop4j-cli/src/main/resources/io/backprop4j/cli/seed-6.1.yaml")),
                Files.readAllBytes(here.resolve("seed-6.1.yaml")));
        assertArrayEquals(Files.readAllBytes(ROOT.resolve("backprop4j-cli/src/test/resources/io/backprop4j/cli/seed-6.1-answers.yaml")),
                Files.readAllBytes(here.resolve("seed-6.1-answers.yaml")));
    }
}
