package io.backprop4j.data;

import io.backprop4j.BackpropException;
import io.backprop4j.internal.kernel.VectorMath;
import io.backprop4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The data sets backprop4j knows by name, split and ready to train on.
 *
 * <table>
 *   <caption>Data sets</caption>
 *   <tr><th>name</th><th>examples</th><th>features</th><th>classes</th><th>where</th></tr>
 *   <tr><td>{@code digits} (the default)</td><td>1,797</td><td>64 (8x8 pixels, 0-16 scaled to [0, 1] by /16)</td>
 *       <td>10</td><td>embedded</td></tr>
 *   <tr><td>{@code iris}</td><td>150</td><td>4 (cm)</td><td>3</td><td>embedded</td></tr>
 *   <tr><td>{@code breast-cancer}</td><td>569</td><td>30</td><td>2</td><td>embedded</td></tr>
 *   <tr><td>{@code fashion-mnist}</td><td>60,000 + 10,000</td><td>784 (28x28 pixels, /255)</td><td>10</td>
 *       <td>{@code dataDir} or {@value #FASHION_MNIST_DIR_TEXT}</td></tr>
 * </table>
 * Any other name is read as the path of a CSV file (see {@link Csv}; label in the last column).
 *
 * <p>Splits: the embedded sets and CSV files are split {@value #TRAIN_PERCENT}% train,
 * {@value #VALIDATION_PERCENT}% validation and the rest test, stratified by class, shuffled with
 * {@code new SplittableRandom(}{@value #SPLIT_SEED}{@code )}, so every run and every machine sees
 * the same split. Fashion-MNIST keeps its official split: 60,000 training images, the 10,000 test
 * images, and no validation split. Features are not standardized here (see {@link Standardizer}).
 *
 * <p>Sources and licences of the embedded sets: {@code io/backprop4j/data/NOTICE.md} among the
 * resources.
 *
 * <pre>{@code
 * DataSplits d = Datasets.load("iris", null);   // train 105, validation 24, test 21 (or so)
 * }</pre>
 */
public final class Datasets {
    /** The data set used when none is named. */
    public static final String DEFAULT_NAME = "digits";
    /** Where Debian's dataset-fashion-mnist package puts Fashion-MNIST, as text (for annotations). */
    public static final String FASHION_MNIST_DIR_TEXT = "/usr/share/datasets/fashion-mnist";
    /** Where Debian's dataset-fashion-mnist package puts Fashion-MNIST. */
    public static final Path FASHION_MNIST_DIR = Path.of(FASHION_MNIST_DIR_TEXT);
    /** Percent of the examples in the training split of the default split. */
    public static final int TRAIN_PERCENT = 70;
    /** Percent of the examples in the validation split of the default split. */
    public static final int VALIDATION_PERCENT = 15;
    /** The seed of the default split. */
    public static final long SPLIT_SEED = 0;

    private static final String[] FASHION_FILES = {
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"
    };
    private static final String[] FASHION_CLASSES = {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
    };

    private Datasets() {}

    /** The names {@link #load} knows: digits, iris, breast-cancer, fashion-mnist. */
    public static List<String> names() {
        return List.of("digits", "iris", "breast-cancer", "fashion-mnist");
    }

    /** {@link #load(String, Path)} without a data directory. */
    public static DataSplits load(String name) {
        return load(name, null);
    }

    /**
     * Loads a data set by name (case-insensitive; null means {@value #DEFAULT_NAME}) or a CSV file
     * by path, split as the class comment says.
     *
     * @param dataDir where to look for Fashion-MNIST; null for {@value #FASHION_MNIST_DIR_TEXT}
     * @throws BackpropException when the name is unknown and no such file exists, or
     *     Fashion-MNIST is not installed (the message says how to install it)
     * @throws io.backprop4j.FormatException when a file is malformed
     */
    public static DataSplits load(String name, Path dataDir) {
        String key = normalize(name);
        return switch (key) {
            case "digits", "iris", "breast-cancer" -> defaultSplit(embedded(key));
            case "fashion-mnist" -> fashionMnist(dataDir == null ? FASHION_MNIST_DIR : dataDir);
            default -> {
                Path file = Path.of(name);
                if (!Files.isRegularFile(file)) {
                    throw new BackpropException("unknown data set \"" + name + "\": expected one of "
                            + String.join(", ", names()) + ", or the path of a CSV file");
                }
                yield defaultSplit(Csv.read(file).toDataset());
            }
        };
    }

    /**
     * The name {@link #load} reads {@code name} as: one of {@link #names()} (case and '_' ignored,
     * "fashion" and "fashionmnist" for fashion-mnist, "breastcancer" and "cancer" for
     * breast-cancer; null or blank for {@value #DEFAULT_NAME}), or null when it names no data set
     * (load then reads it as a file).
     */
    public static String canonicalName(String name) {
        String key = normalize(name);
        return names().contains(key) ? key : null;
    }

    private static String normalize(String name) {
        if (name == null || name.isBlank()) return DEFAULT_NAME;
        String key = name.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        return switch (key) {
            case "fashion", "fashionmnist" -> "fashion-mnist";
            case "breastcancer", "cancer" -> "breast-cancer";
            default -> key;
        };
    }

    /**
     * A whole embedded data set, unsplit: "digits" (pixels scaled to [0, 1]), "iris" or
     * "breast-cancer".
     */
    public static Dataset embedded(String name) {
        String key = normalize(name);
        return switch (key) {
            case "digits" -> {
                Table t = readResource("digits.csv.gz");
                float[] f = t.features();
                for (int i = 0; i < f.length; i++) f[i] /= 16f;
                String[] names = new String[64];
                for (int i = 0; i < 64; i++) names[i] = "pixel_" + i / 8 + "_" + i % 8;
                yield new Dataset(Tensor.of(f, t.rows(), t.cols()), t.labels(), null, t.classNames(), names);
            }
            case "iris" -> withNames(readResource("iris.csv"),
                    new String[] {"sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"});
            case "breast-cancer" -> withNames(readResource("breast_cancer.csv"), breastCancerFeatures());
            default -> throw new BackpropException("no embedded data set \"" + name + "\": expected digits, iris or breast-cancer");
        };
    }

    /** Splits 70/15/15, stratified when the set has labels, with {@code SplittableRandom(0)}. */
    public static DataSplits defaultSplit(Dataset data) {
        return Splits.split(data, TRAIN_PERCENT / 100.0, VALIDATION_PERCENT / 100.0, data.isClassification(),
                new SplittableRandom(SPLIT_SEED));
    }

    /**
     * Fashion-MNIST from {@code dir}: its official 60,000 training and 10,000 test images, pixels
     * scaled to [0, 1] by /255; no validation split. The four files may be gzipped (the usual
     * names, ending in .gz) or not (the same names without .gz).
     */
    public static DataSplits fashionMnist(Path dir) {
        Path[] files = new Path[4];
        for (int i = 0; i < 4; i++) {
            Path gz = dir.resolve(FASHION_FILES[i]);
            Path plain = dir.resolve(FASHION_FILES[i].substring(0, FASHION_FILES[i].length() - 3));
            files[i] = Files.isRegularFile(gz) ? gz : Files.isRegularFile(plain) ? plain : null;
            if (files[i] == null) {
                throw new BackpropException("Fashion-MNIST not found in " + dir + " (no " + FASHION_FILES[i]
                        + "); install it with 'apt-get install dataset-fashion-mnist' or pass --data-dir DIR holding "
                        + String.join(", ", FASHION_FILES));
            }
        }
        Idx.Images trainImages = Idx.readImages(files[0]);
        Idx.Images testImages = Idx.readImages(files[2]);
        if (trainImages.rows() != testImages.rows() || trainImages.cols() != testImages.cols()) {
            // Caught here, naming both files; later it would be a shape error in the middle of training.
            throw new BackpropException(files[2] + ": its images are " + testImages.rows() + "x" + testImages.cols() + " pixels, those of "
                    + files[0] + " " + trainImages.rows() + "x" + trainImages.cols() + "; the training and test images must be the same size"
                    + " (Fashion-MNIST's are 28x28)");
        }
        Dataset train = idxDataset(trainImages, Idx.readLabels(files[1]), files[0], files[1]);
        Dataset test = idxDataset(testImages, Idx.readLabels(files[3]), files[2], files[3]);
        return new DataSplits(train, null, test);
    }

    private static Dataset idxDataset(Idx.Images images, int[] labels, Path imageFile, Path labelFile) {
        if (images.count() != labels.length) {
            throw new BackpropException(imageFile + " holds " + images.count() + " images but " + labelFile
                    + " holds " + labels.length + " labels");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] >= FASHION_CLASSES.length) {
                throw new BackpropException(labelFile + ": label " + labels[i] + " of example " + i
                        + " is not a Fashion-MNIST class (0 to 9)");
            }
        }
        byte[] pixels = images.pixels();
        float[] f = new float[pixels.length];
        VectorMath.unsignedBytesOver(pixels, 0, f, 0, f.length, 255f);
        int d = images.rows() * images.cols();
        String[] names = new String[d];
        for (int i = 0; i < d; i++) names[i] = "pixel_" + i / images.cols() + "_" + i % images.cols();
        return new Dataset(Tensor.of(f, images.count(), d), labels, null, FASHION_CLASSES.clone(), names);
    }

    private static Dataset withNames(Table t, String[] featureNames) {
        return new Dataset(Tensor.of(t.features(), t.rows(), t.cols()), t.labels(), null, t.classNames(),
                featureNames.length == t.cols() ? featureNames : t.featureNames());
    }

    private static Table readResource(String file) {
        String path = "/io/backprop4j/data/" + file;
        try (InputStream in = Datasets.class.getResourceAsStream(path)) {
            if (in == null) throw new BackpropException("embedded data set " + path + " is missing from the class path");
            return Csv.read(in, path + " (embedded)", Csv.Options.defaults());
        } catch (IOException e) {
            throw new BackpropException("cannot read embedded " + path + ": " + e, e);
        }
    }

    private static String[] breastCancerFeatures() {
        String[] base = {"radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
            "concave points", "symmetry", "fractal dimension"};
        String[] names = new String[30];
        for (int i = 0; i < 10; i++) {
            names[i] = "mean " + base[i];
            names[10 + i] = base[i] + " error";
            names[20 + i] = "worst " + base[i];
        }
        return names;
    }
}
