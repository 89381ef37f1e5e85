import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes the float64 twins of the float32 kernels, so that each pair is written once (as EJML's
 * GenerateCode32 does for its 32-bit code).
 *
 * <p>Two kinds of twin: a whole file ({@code FloatGemm.java} gives {@code DoubleGemm.java}, marked
 * "generated, do not edit" on its first line), and a region inside a file, between the lines
 * {@code // twin: float32 source} ... {@code // twin: end}, whose float64 copy is written between
 * {@code // twin: float64, generated ...} ... {@code // twin: end} right after it. The translation
 * is textual: {@code float} to {@code double}, {@code Float} to {@code Double} (so {@code
 * FloatVector}, {@code Float.BYTES}, {@code VectorSpecies<Float>}), float literals {@code 1f} to
 * {@code 1d}, {@code sgemm} to {@code dgemm}, {@code float32} to {@code float64}.
 *
 * <p>Usage, from the repository root: {@code java tools/codegen/GenerateTwins.java} writes the
 * twins; {@code --check} writes nothing and exits 1 naming each twin that is stale or was edited
 * by hand (GeneratedTwinsTest runs it so in the build).
 */
public final class GenerateTwins {

    private static final String KERNEL = "backprop4j-core/src/main/java/io/backprop4j/internal/kernel/";
    /** A whole-file twin: the float32 source and the float64 file generated from it. */
    private record FileTwin(String from, String to) {
    }

    private static final List<FileTwin> FILES = List.of(
            new FileTwin(KERNEL + "FloatGemm.java", KERNEL + "DoubleGemm.java"),
            new FileTwin(KERNEL + "FloatGemv.java", KERNEL + "DoubleGemv.java"));
    /** Files holding twin regions. */
    private static final List<String> REGION_FILES = List.of(
            KERNEL + "Gemm.java",
            KERNEL + "VectorMath.java",
            KERNEL + "VectorLoops.java",
            KERNEL + "Recurrent.java",
            KERNEL + "Sequences.java",
            KERNEL + "Im2col.java",
            KERNEL + "Convolution.java",
            KERNEL + "Pooling.java",
            KERNEL + "Normalization.java",
            "backprop4j-core/src/main/java/io/backprop4j/optim/AdamCore.java");

    static final String SELF = "tools/codegen/GenerateTwins.java";
    static final String SOURCE_MARK = "// twin: float32 source";
    static final String OUTPUT_MARK = "// twin: float64, generated from the float32 source above by " + SELF + "; do not edit";
    static final String END_MARK = "// twin: end";

    private GenerateTwins() {
    }

    public static void main(String[] args) throws IOException {
        boolean check = args.length > 0 && args[0].equals("--check");
        Path root = Path.of(args.length > (check ? 1 : 0) ? args[check ? 1 : 0] : ".");
        List<String> stale = new ArrayList<>();
        for (FileTwin twin : FILES) {
            Path from = root.resolve(twin.from());
            Path to = root.resolve(twin.to());
            String expected = fileTwin(read(from), from.getFileName().toString());
            update(to, expected, check, stale);
        }
        for (String file : REGION_FILES) {
            Path path = root.resolve(file);
            update(path, regionTwins(read(path), file), check, stale);
        }
        if (!stale.isEmpty()) {
            for (String s : stale) {
                System.err.println(s + ": stale or edited by hand; run 'java " + SELF + "' from the repository root");
            }
            System.exit(1);
        }
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    private static void update(Path path, String expected, boolean check, List<String> stale) throws IOException {
        String now = Files.exists(path) ? read(path) : null;
        if (expected.equals(now)) {
            return;
        }
        if (check) {
            stale.add(path.toString());
        } else {
            Files.writeString(path, expected, StandardCharsets.UTF_8);
            System.out.println("wrote " + path);
        }
    }

    /** The float64 file generated from a float32 source file. */
    static String fileTwin(String source, String sourceName) {
        return "// Generated from " + sourceName + " by " + SELF + "; do not edit: edit " + sourceName + " and run it again.\n"
                + toDouble(source);
    }

    /** The file with each float64 region regenerated from the float32 region before it. */
    static String regionTwins(String text, String name) {
        String[] lines = text.split("\n", -1);
        StringBuilder out = new StringBuilder();
        int i = 0;
        int regions = 0;
        while (i < lines.length) {
            if (!lines[i].trim().equals(SOURCE_MARK)) {
                out.append(lines[i]).append('\n');
                i++;
                continue;
            }
            String indent = lines[i].substring(0, lines[i].indexOf("//"));
            StringBuilder source = new StringBuilder();
            out.append(lines[i++]).append('\n');
            while (i < lines.length && !lines[i].trim().equals(END_MARK)) {
                source.append(lines[i]).append('\n');
                out.append(lines[i++]).append('\n');
            }
            if (i == lines.length) {
                throw new IllegalStateException(name + ": '" + SOURCE_MARK + "' without '" + END_MARK + "'");
            }
            out.append(lines[i++]).append('\n');
            // Drop the old generated region, if any, and write it anew.
            if (i < lines.length && lines[i].trim().startsWith("// twin: float64")) {
                while (i < lines.length && !lines[i].trim().equals(END_MARK)) {
                    i++;
                }
                i++;
            }
            out.append(indent).append(OUTPUT_MARK).append('\n');
            out.append(toDouble(source.toString()));
            out.append(indent).append(END_MARK).append('\n');
            regions++;
        }
        if (regions == 0) {
            throw new IllegalStateException(name + ": no '" + SOURCE_MARK + "' region");
        }
        String result = out.toString();
        return result.substring(0, result.length() - 1); // split/join adds one newline at the end
    }

    private static final Pattern FLOAT_LITERAL = Pattern.compile("\\b(\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)[fF]\\b");

    /** float32 source text to float64. */
    static String toDouble(String s) {
        s = s.replaceAll("\\bfloat\\b", "double");
        s = s.replaceAll("\\bFloat(?=\\b|Vector|Gem[mv])", "Double");
        s = s.replace("float32", "float64");
        s = s.replace("sgemm", "dgemm");
        Matcher m = FLOAT_LITERAL.matcher(s);
        return m.replaceAll("$1d");
    }
}
