package io.backprop4j;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.backprop4j.data.Csv;
import io.backprop4j.data.DataLoader;
import io.backprop4j.data.Dataset;
import io.backprop4j.data.Idx;
import io.backprop4j.data.Standardizer;
import io.backprop4j.io.AtomicFiles;
import io.backprop4j.io.Safetensors;
import io.backprop4j.loss.Losses;
import io.backprop4j.nn.BatchNorm1d;
import io.backprop4j.nn.Dropout;
import io.backprop4j.nn.Linear;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.train.ModelFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #6 for the Java API: a user's mistake comes out as a {@link BackpropException} (or one of
 * its documented subclasses) with a message saying what was wrong, never as a bare
 * ArrayIndexOutOfBounds, NegativeArraySize, NullPointer, ClassCast, NumberFormat or
 * IllegalArgument exception. A null argument may also be refused with a NullPointerException
 * whose message names it (Objects.requireNonNull).
 */
class ApiMisuseTest {
    @TempDir
    Path dir;

    /** Each test its own generator (a field, so JUnit makes one per test): no test sees another's draws. */
    private final SplittableRandom rng = new SplittableRandom(1);

    /** The call throws a BackpropException of the given kind whose message holds every word. */
    private static <T extends BackpropException> T refused(Class<T> kind, Executable call, String... words) {
        Throwable t = assertThrows(Throwable.class, call);
        if (!kind.isInstance(t)) fail("expected " + kind.getSimpleName() + ", got " + t, t);
        String m = t.getMessage();
        assertNotNull(m, "a message");
        for (String w : words) assertTrue(m.contains(w), "'" + w + "' in: " + m);
        return kind.cast(t);
    }

    private static BackpropException refused(Executable call, String... words) {
        return refused(BackpropException.class, call, words);
    }

    /** A null argument: a BackpropException, or a NullPointerException with a message. */
    private static void nullRefused(Executable call) {
        Throwable t = assertThrows(Throwable.class, call);
        if (t instanceof BackpropException) return;
        if (t instanceof NullPointerException && t.getMessage() != null && !t.getMessage().contains("Cannot invoke")
                && !t.getMessage().contains("because")) {
            return;
        }
        fail("expected a BackpropException or a documented NullPointerException, got " + t, t);
    }

    // ------------------------------------------------------------------ tensors

    @Test
    void tensorOfNullData() {
        nullRefused(() -> Tensor.of((float[]) null, 2));
        nullRefused(() -> Tensor.of((double[]) null, 2));
        nullRefused(() -> Tensor.of((double[][]) null));
        nullRefused(() -> Tensor.of((float[][]) null));
        nullRefused(() -> Tensor.of(new double[][] {{1, 2}, null}));
        nullRefused(() -> Tensor.of(new float[] {1, 2}, (int[]) null));
        nullRefused(() -> Tensor.vector((double[]) null));
    }

    @Test
    void tensorOfRaggedRows() {
        refused(ShapeException.class, () -> Tensor.of(new double[][] {{1, 2}, {3}}));
        refused(ShapeException.class, () -> Tensor.of(new float[][] {{1, 2}, {3, 4, 5}}));
    }

    @Test
    void tensorOfDataThatDoesNotFitTheShape() {
        refused(ShapeException.class, () -> Tensor.of(new float[] {1, 2, 3}, 2, 2), "3", "[2, 2]");
        refused(ShapeException.class, () -> Tensor.of(new double[] {1, 2, 3, 4, 5}, 2, 2));
    }

    @Test
    void negativeShapes() {
        refused(ShapeException.class, () -> Tensor.of(new float[4], -2, -2), "negative");
        refused(ShapeException.class, () -> Tensor.zeros(-1), "negative");
        refused(ShapeException.class, () -> Tensor.zeros(2, -3), "negative");
        refused(ShapeException.class, () -> Tensor.ones(DType.FLOAT64, -3), "negative");
        refused(ShapeException.class, () -> Tensor.full(1, DType.FLOAT32, 4, -1), "negative");
        refused(ShapeException.class, () -> Tensor.rand(rng, DType.FLOAT32, -5), "negative");
        refused(ShapeException.class, () -> Tensor.randn(rng, DType.FLOAT32, 3, -5), "negative");
    }

    @Test
    void hugeShapesAreRefusedBeforeAllocation() {
        refused(ShapeException.class, () -> Tensor.zeros(100_000, 100_000), "2^31");
        refused(ShapeException.class, () -> Tensor.zeros(1 << 16, 1 << 16, 2), "2^31");
        refused(ShapeException.class, () -> Tensor.zeros(Integer.MAX_VALUE), "2^31");
    }

    @Test
    void nullShapeOrDType() {
        nullRefused(() -> Tensor.zeros((int[]) null));
        nullRefused(() -> Tensor.zeros((DType) null, 2));
        nullRefused(() -> Tensor.rand(null, DType.FLOAT32, 2));
    }

    @Test
    void arangeWithABadStep() {
        refused(() -> Tensor.arange(0, 10, 0, DType.FLOAT32));
        refused(() -> Tensor.arange(0, 10, Double.NaN, DType.FLOAT32));
        refused(() -> Tensor.arange(0, 1e12, 1, DType.FLOAT32));
        assertTrue(Tensor.arange(-5).numel() == 0, "an empty range is not a mistake");
    }

    @Test
    void getWithTheWrongNumberOfIndices() {
        Tensor t = Tensor.zeros(2, 3);
        refused(ShapeException.class, () -> t.get(0), "2");
        refused(ShapeException.class, () -> t.get(0, 0, 0));
        refused(() -> t.get(2, 0), "2");
        refused(() -> t.get(0, -4)); // -1 counts from the end; -4 is before the start
        refused(() -> t.set(1, 5, 5));
        refused(() -> t.getFlat(6));
        refused(() -> t.getFlat(-1));
        refused(() -> t.setFlat(6, 1));
        nullRefused(() -> t.get((int[]) null));
    }

    @Test
    void itemOfATensorOfManyElements() {
        refused(() -> Tensor.zeros(2, 3).item());
    }

    @Test
    void reshapeToAnIncompatibleSize() {
        Tensor t = Tensor.zeros(2, 3);
        refused(ShapeException.class, () -> t.reshape(4, 2), "[2, 3]", "[4, 2]");
        refused(ShapeException.class, () -> t.reshape(-1, -1));
        refused(ShapeException.class, () -> t.reshape(-2, 3));
        refused(ShapeException.class, () -> t.reshape(4, -1));
        nullRefused(() -> t.reshape((int[]) null));
    }

    @Test
    void matmulOfScalarsAndMismatchedMatrices() {
        Tensor s = Tensor.scalar(2, DType.FLOAT32);
        refused(ShapeException.class, () -> s.matmul(s), "matmul");
        refused(ShapeException.class, () -> Tensor.zeros(2, 3).matmul(s), "matmul");
        refused(ShapeException.class, () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(4, 5)), "matmul", "[2, 3]", "[4, 5]");
        nullRefused(() -> Tensor.zeros(2, 3).matmul(null));
    }

    @Test
    void elementwiseOpsOfShapesThatDoNotBroadcast() {
        refused(ShapeException.class, () -> Tensor.zeros(2, 3).add(Tensor.zeros(4)), "[2, 3]", "[4]");
        refused(ShapeException.class, () -> Tensor.zeros(2, 3).mul(Tensor.zeros(3, 2)), "[2, 3]", "[3, 2]");
        nullRefused(() -> Tensor.zeros(2).add(null));
    }

    @Test
    void dimensionsOutOfRange() {
        Tensor t = Tensor.zeros(2, 3);
        refused(() -> t.sum(2, false));
        refused(() -> t.sum(-3, false));
        refused(() -> t.softmax(5));
        refused(() -> t.argmax(2, false));
        refused(() -> t.transpose(0, 2));
        refused(() -> t.permute(0));
        refused(() -> t.permute(0, 0));
        refused(() -> t.squeeze(4));
        refused(() -> t.unsqueeze(4));
        refused(() -> t.narrow(1, 2, 5));
        refused(() -> t.narrow(1, -1, 1));
        refused(() -> t.expand(4, 3));
        refused(() -> t.indexSelect(0, 2));
        refused(() -> t.indexSelect(0, -1));
        refused(() -> t.rows(7));
    }

    @Test
    void concatOfNothingOrMismatchedParts() {
        refused(() -> Tensor.concat(0));
        refused(ShapeException.class, () -> Tensor.concat(0, Tensor.zeros(2, 3), Tensor.zeros(2, 4)));
        refused(() -> Tensor.concat(3, Tensor.zeros(2, 3), Tensor.zeros(2, 3)));
        nullRefused(() -> Tensor.concat(0, (Tensor[]) null));
        nullRefused(() -> Tensor.concat(0, Tensor.zeros(2), null));
    }

    @Test
    void copyOfAnotherShape() {
        refused(ShapeException.class, () -> Tensor.zeros(2, 3).copy_(Tensor.zeros(3, 2)));
    }

    @Test
    void backwardOnATensorThatNeedsNoGradient() {
        refused(() -> Tensor.zeros(2).sum().backward());
        Tensor w = Tensor.zeros(3).requiresGrad(true);
        refused(() -> w.mul(2).backward(), "backward", "[3]");
    }

    // ------------------------------------------------------------------ layers and losses

    @Test
    void linearWithZeroOrNegativeSizes() {
        refused(() -> new Linear(0, 3, rng), "0");
        refused(() -> new Linear(3, -1, rng), "-1");
        nullRefused(() -> new Linear(null, null));
        nullRefused(() -> new Linear(3, 2, null));
        refused(ShapeException.class, () -> new Linear(Tensor.zeros(3), null));
        refused(ShapeException.class, () -> new Linear(Tensor.zeros(3, 2), Tensor.zeros(3)));
    }

    @Test
    void linearOnInputsOfTheWrongWidth() {
        Linear l = new Linear(3, 2, rng);
        refused(ShapeException.class, () -> l.forward(Tensor.zeros(4, 5)));
        refused(ShapeException.class, () -> l.forward(Tensor.scalar(1, DType.FLOAT32)));
    }

    @Test
    void otherLayersWithBadSettings() {
        refused(() -> new Dropout(1.5, rng), "1.5");
        refused(() -> new Dropout(Double.NaN, rng));
        refused(() -> new BatchNorm1d(0), "0");
        refused(ShapeException.class, () -> new BatchNorm1d(3).forward(Tensor.zeros(4, 5)));
    }

    @Test
    void lossesWithMismatchedShapes() {
        refused(ShapeException.class, () -> Losses.mse(Tensor.zeros(2, 3), Tensor.zeros(3, 2)), "[2, 3]", "[3, 2]");
        refused(ShapeException.class, () -> Losses.binaryCrossEntropy(Tensor.zeros(4), Tensor.zeros(5)));
        refused(ShapeException.class, () -> Losses.binaryCrossEntropyWithLogits(Tensor.zeros(4), Tensor.zeros(2, 2)));
        refused(ShapeException.class, () -> Losses.crossEntropy(Tensor.zeros(2, 3), Tensor.zeros(2, 4)));
        refused(ShapeException.class, () -> Losses.crossEntropyProbs(Tensor.zeros(2, 3), Tensor.zeros(3)));
        refused(() -> Losses.crossEntropy(Tensor.zeros(2, 3), new int[] {0}), "2");
        refused(() -> Losses.crossEntropy(Tensor.zeros(2, 3), new int[] {0, 3}), "3");
        refused(() -> Losses.crossEntropy(Tensor.zeros(2, 3), new int[] {0, -1}), "-1");
        refused(() -> Losses.nll(Tensor.zeros(3), new int[] {0, 1, 2}));
        nullRefused(() -> Losses.crossEntropy(Tensor.zeros(2, 3), (int[]) null));
        nullRefused(() -> Losses.mse(null, Tensor.zeros(2)));
    }

    // ------------------------------------------------------------------ data

    @Test
    void datasetWithMismatchedLabels() {
        refused(() -> Dataset.classification(Tensor.zeros(3, 2), new int[] {0, 1}, null), "3");
        refused(() -> Dataset.classification(Tensor.zeros(2, 2), new int[] {0, 2}, new String[] {"a", "b"}), "2");
        refused(() -> Dataset.classification(Tensor.zeros(2, 2), new int[] {0, -1}, null), "-1");
        refused(ShapeException.class, () -> Dataset.regression(Tensor.zeros(3, 2), Tensor.zeros(2)));
        refused(() -> Dataset.classification(Tensor.zeros(2, 2), null, null));
        nullRefused(() -> Dataset.classification(null, new int[] {0}, null));
        refused(ShapeException.class, () -> Dataset.classification(Tensor.zeros(4), new int[] {0, 1, 0, 1}, null));
    }

    @Test
    void dataLoaderWithBatchZero() {
        Dataset d = Dataset.classification(Tensor.zeros(4, 2), new int[] {0, 1, 0, 1}, null);
        refused(() -> new DataLoader(d, 0), "batch", "0");
        refused(() -> new DataLoader(d, -1), "-1");
        refused(() -> new DataLoader(null, 2), "null");
    }

    @Test
    void standardizerOnAnEmptyDataset() {
        Dataset empty = Dataset.classification(Tensor.zeros(0, 3), new int[0], null);
        refused(() -> Standardizer.fit(empty), "no examples");
        refused(ShapeException.class, () -> Standardizer.fit(Tensor.zeros(4)));
        refused(() -> new Standardizer(new float[] {0}, new float[] {0}), "standard deviation");
        refused(() -> new Standardizer(new float[] {0, 1}, new float[] {1}));
        Standardizer s = Standardizer.fit(Tensor.of(new double[][] {{1, 2}, {3, 5}}));
        refused(ShapeException.class, () -> s.apply(Tensor.zeros(2, 3)));
        nullRefused(() -> Standardizer.fit((Dataset) null));
    }

    @Test
    void readersOnMissingPaths() {
        Path missing = dir.resolve("missing.bin");
        refused(() -> Safetensors.read(missing), "missing.bin", "no such file");
        refused(() -> Idx.readImages(missing), "missing.bin", "no such file");
        refused(() -> Idx.readLabels(missing), "missing.bin", "no such file");
        refused(() -> Csv.read(missing), "missing.bin", "no such file");
        refused(() -> ModelFile.load(missing), "missing.bin", "no such");
        nullRefused(() -> Csv.read(null));
        nullRefused(() -> Safetensors.read(null));
    }

    @Test
    void readersOnADirectory() {
        refused(() -> Safetensors.read(dir), "is a directory");
        refused(() -> Idx.readImages(dir), "is a directory");
        refused(() -> Csv.read(dir), "is a directory");
        refused(() -> ModelFile.load(dir), "is a directory");
    }

    @Test
    void readersOnGarbage() throws Exception {
        byte[] junk = new byte[300];
        new SplittableRandom(7).nextBytes(junk);
        refused(FormatException.class, () -> Safetensors.fromBytes(junk, "junk"), "junk", "byte");
        refused(FormatException.class, () -> Safetensors.fromBytes(new byte[3], "short"), "short");
        refused(FormatException.class, () -> Idx.readImages(junk, "junk"), "junk");
        refused(FormatException.class, () -> Idx.readLabels(new byte[2], "tiny"), "tiny");
        refused(FormatException.class, () -> Csv.read(junk, "junk", Csv.Options.defaults()), "junk");
        refused(FormatException.class, () -> Csv.parse("", "empty", Csv.Options.defaults()), "empty");
        refused(FormatException.class, () -> Csv.parse("a,b\n", "head", Csv.Options.defaults()), "head", "no data rows");
        refused(FormatException.class, () -> Csv.parse("1,2\n3\n", "ragged", Csv.Options.defaults()), "line 2");
        refused(FormatException.class, () -> Csv.parse("1,2,0\n1,x,1\n", "nan", Csv.Options.defaults()), "line 2", "column");
        Path text = dir.resolve("spec.yaml");
        Files.writeString(text, "input: [1, 2]\ntarget: [1]\nlayers: []\nloss: mse\n");
        refused(FormatException.class, () -> Safetensors.read(text), "spec.yaml", "text");
        refused(FormatException.class, () -> ModelFile.load(text), "spec.yaml");
    }

    @Test
    void headerOnlyCsvSaysWhyTheLineIsAHeader() {
        var e = refused(FormatException.class, () -> Csv.parse("5.1,abc,1.4,0.2\n", "one.csv", Csv.Options.defaults().noLabel()),
                "one.csv", "no data rows", "'abc' is not a number");
        assertInstanceOf(FormatException.class, e);
    }

    @Test
    void writingToADirectoryOrUnderAFile() throws Exception {
        var e = refused(() -> AtomicFiles.write(dir, new byte[1]), "is a directory");
        assertTrue(!e.getMessage().contains("Exception"), e.getMessage());
        Path file = dir.resolve("f.txt");
        Files.writeString(file, "x");
        var e2 = refused(() -> AtomicFiles.write(file.resolve("x.bin"), new byte[1]), "not a directory");
        assertTrue(!e2.getMessage().contains("Exception"), e2.getMessage());
        refused(() -> Safetensors.write(file.resolve("m.safetensors"), Map.of("w", Tensor.zeros(2)), Map.of()), "f.txt");
    }
}
