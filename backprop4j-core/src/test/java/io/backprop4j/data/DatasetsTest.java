package io.backprop4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
    @Test
    void embeddedSetsHaveTheirDocumentedShapes() {
        Dataset digits = Datasets.embedded("digits");
        assertEquals(1797, digits.size());
        assertEquals(64, digits.numFeatures());
        assertEquals(10, digits.numClasses());
        float[] pixels = digits.features().toFloatArray();
        double max = IntStream.range(0, pixels.length).mapToDouble(i -> pixels[i]).max().orElseThrow();
        assertEquals(1.0, max, "pixels 0-16 scaled by /16");
        Dataset iris = Datasets.embedded("iris");
        assertEquals(150, iris.size());
        assertArrayEquals(new String[] {"setosa", "versicolor", "virginica"}, iris.classNames());
        assertEquals("sepal length (cm)", iris.featureNames()[0]);
        Dataset cancer = Datasets.embedded("breast_cancer");
        assertEquals(569, cancer.size());
        assertEquals(30, cancer.numFeatures());
        assertArrayEquals(new String[] {"malignant", "benign"}, cancer.classNames());
        assertEquals("worst fractal dimension", cancer.featureNames()[29]);
    }

    @Test
    void defaultSplitIsStratifiedSeededAndCoversEverything() {
        DataSplits a = Datasets.load(null, null);
        DataSplits b = Datasets.load("digits");
        assertArrayEquals(a.train().features().toFloatArray(), b.train().features().toFloatArray());
        assertEquals(1797, a.train().size() + a.validation().size() + a.test().size());
        assertEquals(0.70, a.train().size() / 1797.0, 0.01);
        assertEquals(0.15, a.validation().size() / 1797.0, 0.01);
        DataSplits iris = Datasets.load("IRIS", null);
        assertEquals(35, IntStream.of(iris.train().labels()).filter(l -> l == 0).count());
        assertEquals(105, iris.train().size());
    }

    @Test
    void loadsCsvPathsAndRefusesUnknownNames(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("mine.csv");
        StringBuilder sb = new StringBuilder("a,b,label\n");
        for (int i = 0; i < 40; i++) sb.append(i).append(',').append(i * 2).append(',').append(i % 2).append('\n');
        Files.writeString(csv, sb);
        DataSplits s = Datasets.load(csv.toString(), null);
        assertEquals(28, s.train().size());
        assertArrayEquals(new String[] {"a", "b"}, s.train().featureNames());
        BackpropException e = assertThrows(BackpropException.class, () -> Datasets.load("nope", null));
        assertTrue(e.getMessage().contains("unknown data set \"nope\""), e.getMessage());
    }

    @Test
    void missingFashionMnistSaysHowToGetIt(@TempDir Path dir) {
        BackpropException e = assertThrows(BackpropException.class, () -> Datasets.load("fashion-mnist", dir));
        assertTrue(e.getMessage().startsWith("Fashion-MNIST not found in " + dir), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
        assertTrue(e.getMessage().contains("--data-dir DIR holding train-images-idx3-ubyte.gz"), e.getMessage());
    }

    @Test
    void readsFashionMnistFromADirectoryOfIdxFiles(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), IdxTest.gzip(IdxTest.idx(Idx.IMAGES_MAGIC, new int[] {2, 2, 2},
                new byte[] {0, (byte) 255, 51, 102, 0, 0, 0, 0})));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), IdxTest.idx(Idx.LABELS_MAGIC, new int[] {2}, new byte[] {9, 1}));
        Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), IdxTest.gzip(IdxTest.idx(Idx.IMAGES_MAGIC, new int[] {1, 2, 2}, new byte[4])));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), IdxTest.gzip(IdxTest.idx(Idx.LABELS_MAGIC, new int[] {1}, new byte[] {3})));
        DataSplits s = Datasets.load("fashion-mnist", dir);
        assertArrayEquals(new float[] {0, 1, 0.2f, 0.4f, 0, 0, 0, 0}, s.train().features().toFloatArray());
        assertArrayEquals(new int[] {9, 1}, s.train().labels());
        assertEquals("Ankle boot", s.train().classNames()[9]);
        assertNull(s.validation());
        assertEquals(1, s.test().size());
    }

    @Test
    void imagesOfAnotherSizeNameTheFiles(@TempDir Path dir) throws Exception {
        // Issue 18, item 10: test images of another size than the training images named no file.
        Files.write(dir.resolve("train-images-idx3-ubyte"), IdxTest.idx(Idx.IMAGES_MAGIC, new int[] {1, 2, 2}, new byte[4]));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), IdxTest.idx(Idx.LABELS_MAGIC, new int[] {1}, new byte[] {1}));
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), IdxTest.idx(Idx.IMAGES_MAGIC, new int[] {1, 3, 2}, new byte[6]));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), IdxTest.idx(Idx.LABELS_MAGIC, new int[] {1}, new byte[] {3}));
        BackpropException e = assertThrows(BackpropException.class, () -> Datasets.load("fashion-mnist", dir));
        assertEquals(dir.resolve("t10k-images-idx3-ubyte") + ": its images are 3x2 pixels, those of " + dir.resolve("train-images-idx3-ubyte")
                + " 2x2; the training and test images must be the same size (Fashion-MNIST's are 28x28)", e.getMessage());
    }

    @Test
    void readsTheInstalledFashionMnist() {
        Assumptions.assumeTrue(Files.isRegularFile(Datasets.FASHION_MNIST_DIR.resolve("t10k-labels-idx1-ubyte.gz")),
                "Fashion-MNIST is not installed");
        DataSplits s = Datasets.load("fashion-mnist", null);
        assertEquals(60000, s.train().size());
        assertEquals(10000, s.test().size());
        assertEquals(784, s.train().numFeatures());
        assertEquals(10, s.train().numClasses());
        for (int c = 0; c < 10; c++) {
            int cls = c;
            assertEquals(1000, IntStream.of(s.test().labels()).filter(l -> l == cls).count());
        }
    }
}
