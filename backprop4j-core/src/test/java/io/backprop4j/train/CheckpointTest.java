package io.backprop4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import io.backprop4j.nn.Sequential;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.optim.Optimizers;
import io.backprop4j.optim.StepLR;
import io.backprop4j.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    @TempDir
    Path dir;

    private Path writeOne(Sequential m, Optimizer opt, StepLR schedule) {
        History h = new History();
        h.add(new EpochStats(1, 0.5, 0.8, 0.6, 0.7, 1e-3, 1.5, 100));
        Path f = Checkpoint.fileIn(dir);
        Checkpoint.save(f, 1, 99, h, m, opt, schedule, Map.of("extra", "yes"));
        return f;
    }

    /** A model and an Adam that has taken one step (so it has state). */
    private static Object[] stepped(int seed) {
        Sequential m = ModelFileTest.spec(true).build(new EpochRandom(seed));
        Optimizer opt = Optimizers.create("adam", m.parameters(), 0.01);
        Tensor loss = m.forward(ModelFileTest.raw(8)).square().mean();
        loss.backward();
        opt.step();
        return new Object[] {m, opt};
    }

    @Test
    void saveAndRestoreEverything() {
        Object[] a = stepped(1);
        Sequential m = (Sequential) a[0];
        Optimizer opt = (Optimizer) a[1];
        StepLR schedule = new StepLR(opt, 1, 0.5);
        schedule.step();
        Path f = writeOne(m, opt, schedule);
        Checkpoint cp = Checkpoint.load(f);
        assertEquals(1, cp.epoch());
        assertEquals(99, cp.seed());
        assertEquals("yes", cp.metadata().get("extra"));
        assertEquals(1, cp.history().size());

        Object[] b = stepped(2);
        Sequential m2 = (Sequential) b[0];
        Optimizer opt2 = (Optimizer) b[1];
        StepLR schedule2 = new StepLR(opt2, 1, 0.5);
        cp.restore(m2, opt2, schedule2);
        assertEquals(Map.of(), TrainerTest.differences(ModelTensors.named(m), ModelTensors.named(m2)));
        assertEquals(Map.of(), TrainerTest.differences(opt.state(), opt2.state()));
        assertEquals(opt.learningRate(), opt2.learningRate());
        assertEquals(schedule.epoch(), schedule2.epoch());
        assertTrue(ModelTensors.named(m2).containsKey("1.running_mean"), "batch-norm buffers are saved");
    }

    @Test
    void corruptAlteredOrForeignCheckpointsAreRefused() throws Exception {
        Object[] a = stepped(1);
        Path f = writeOne((Sequential) a[0], (Optimizer) a[1], null);
        byte[] good = Files.readAllBytes(f);

        byte[] bad = good.clone();
        bad[bad.length - 5] ^= 1;
        Files.write(f, bad);
        assertTrue(assertThrows(FormatException.class, () -> Checkpoint.load(f)).getMessage().contains("checksum mismatch"));

        String text = new String(good, StandardCharsets.ISO_8859_1);
        int at = text.indexOf("\"checkpoint.epoch\":\"1\"") + "\"checkpoint.epoch\":\"".length();
        bad = good.clone();
        bad[at] = '7';
        Files.write(f, bad);
        FormatException e = assertThrows(FormatException.class, () -> Checkpoint.load(f));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());

        Files.write(f, java.util.Arrays.copyOf(good, good.length / 2));
        assertThrows(FormatException.class, () -> Checkpoint.load(f));

        ModelFile.save(f, (Sequential) a[0], ModelFileTest.spec(true));
        assertTrue(assertThrows(FormatException.class, () -> Checkpoint.load(f)).getMessage().contains("not a backprop4j checkpoint"));
    }

    @Test
    void restoringIntoAnotherArchitectureNamesTheMismatch() {
        Object[] a = stepped(1);
        Path f = writeOne((Sequential) a[0], (Optimizer) a[1], null);
        Sequential other = ModelFileTest.spec(false).build(new EpochRandom(1));
        BackpropException e = assertThrows(BackpropException.class, () -> Checkpoint.load(f)
                .restore(other, Optimizers.create("adam", other.parameters(), 0.01), null));
        assertTrue(e.getMessage().contains("another architecture") || e.getMessage().contains("lacks tensor"), e.getMessage());
    }

    @Test
    void aFifoAtTheCheckpointPathDoesNotHang() throws Exception {
        // Issue 18, item 11: --resume opened the FIFO and waited for a writer forever.
        Path fifo = Checkpoint.fileIn(dir);
        org.junit.jupiter.api.Assumptions.assumeTrue(io.backprop4j.testing.TestFiles.run("mkfifo", fifo.toString()), "no mkfifo");
        var result = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                Checkpoint.load(fifo);
                return "loaded";
            } catch (BackpropException e) {
                return e.getMessage();
            }
        });
        String m = result.get(20, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(m.endsWith("checkpoint.safetensors: is a FIFO (named pipe), not a regular file;"
                + " expected a checkpoint (as 'train --checkpoint-dir' writes)"), m);
    }

    @Test
    void anUnsealedCheckpointIsRefused() throws Exception {
        Object[] a = stepped(1);
        byte[] good = Files.readAllBytes(writeOne((Sequential) a[0], (Optimizer) a[1], null));
        String seal = io.backprop4j.io.Safetensors.fromBytes(good, "c").metadata().get(io.backprop4j.io.Safetensors.CHECKSUM_KEY);
        byte[] plain = io.backprop4j.testing.TestFiles.editHeader(good, h -> h.replace("\"backprop4j.checksum\":\"" + seal + "\",", "")
                .replace("\"backprop4j.format\":\"2\",", ""));
        FormatException e = assertThrows(FormatException.class, () -> Checkpoint.fromBytes(plain, "c.safetensors"));
        assertEquals("c.safetensors: no seal (backprop4j.checksum): not written by backprop4j, or altered", e.getMessage());
    }
}
