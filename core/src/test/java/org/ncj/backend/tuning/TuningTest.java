package org.ncj.backend.tuning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ncj.DType;
import org.ncj.backend.Backend;

/** The tuning table: written by the tuner, read back by each backend when it plans its tile. */
class TuningTest {
    @AfterEach
    void clear() {
        System.clearProperty(Tuning.PROPERTY);
    }

    @Test
    void withoutATableTheDefaultTileIsUsed(@TempDir Path dir) {
        System.setProperty(Tuning.PROPERTY, dir.resolve("absent.tsv").toString());
        try (Backend cpu = Backend.cpu()) {
            assertEquals(Backend.DEFAULT_TILE, cpu.pairwiseTile(1000, 64, DType.FLOAT32));
            assertTrue(Tuning.tunedTile(cpu.tuningKey(), 1000, 64).isEmpty());
        }
    }

    @Test
    void tunedRowsAreChosenByDeviceAndSmallestCoveringShape(@TempDir Path dir) throws Exception {
        Path table = dir.resolve("tuning.tsv");
        System.setProperty(Tuning.PROPERTY, table.toString());
        try (Backend cpu = Backend.cpu()) {
            String key = cpu.tuningKey();
            Tuning.write(table, List.of(new Tuning.Entry(key, 100, 10, 16, 0.1), new Tuning.Entry(key, 1000, 100, 128, 0.2),
                    new Tuning.Entry("cuda: some GPU, compute capability 9.0", 100000, 10000, 64, 0.3)));
            assertEquals(16, cpu.pairwiseTile(50, 8, DType.FLOAT32));
            assertEquals(16, cpu.pairwiseTile(50, 8, DType.FLOAT64), "the CPU plans the same tile at either precision");
            assertEquals(128, cpu.pairwiseTile(500, 8, DType.FLOAT32), "the 100x10 row does not cover K = 500");
            assertEquals(Backend.DEFAULT_TILE, cpu.pairwiseTile(5000, 8, DType.FLOAT32), "no CPU row covers K = 5000");
            // Rewriting the CPU rows keeps the other device's row.
            Tuning.write(table, List.of(new Tuning.Entry(key, 100, 10, 32, 0.1)));
            List<Tuning.Entry> rows = Tuning.read(table);
            assertEquals(2, rows.size());
            assertEquals(32, cpu.pairwiseTile(50, 8, DType.FLOAT32));
        }
    }

    @Test
    void tunerTimesEveryFittingCandidateAndTheDefaultAndRecordsTheNoise(@TempDir Path dir) throws Exception {
        Path table = dir.resolve("t.tsv");
        System.setProperty(Tuning.PROPERTY, table.toString());
        try (Backend cpu = Backend.cpu()) {
            java.util.List<String> lines = new java.util.ArrayList<>();
            List<Tuning.Entry> best = Tuning.tune(cpu, new int[][] {{40, 3}}, 5, lines::add);
            assertEquals(3, lines.size(), "tiles 16 and 32 fit K = 40, and the default 64 is the reference: " + lines);
            assertTrue(best.get(0).ci95() >= 0 && Double.isFinite(best.get(0).ci95()), "noise recorded: " + best);
            Tuning.write(table, best);
            assertTrue(Files.readString(table).contains("\tci95\n"), Files.readString(table));
            assertEquals(best.get(0).ci95(), Tuning.read(table).get(0).ci95(), 1e-6);
            int tile = cpu.pairwiseTile(40, 3, DType.FLOAT32);
            assertTrue(tile == 16 || tile == 32 || tile == 64, "tuned tile " + tile);
        }
    }

    @Test
    void theDefaultTileStaysUnlessAnotherIsFasterBeyondTheNoise() {
        Tuning.Timing def = Tuning.Timing.of(new double[] {1.00, 1.10, 0.90, 1.05, 0.95});
        Tuning.Timing slightlyFaster = Tuning.Timing.of(new double[] {0.97, 1.02, 0.93, 0.99, 0.96});
        Tuning.Timing muchFaster = Tuning.Timing.of(new double[] {0.50, 0.52, 0.49, 0.51, 0.50});
        assertEquals(64, Tuning.choose(java.util.Map.of(64, def, 128, slightlyFaster), 64), "within the noise: keep 64");
        assertEquals(256, Tuning.choose(java.util.Map.of(64, def, 128, slightlyFaster, 256, muchFaster), 64));
        // The interval: mean ± t(0.975, 4) · s / √5, s = 0.0791 for the default's runs.
        assertEquals(1.0, def.mean(), 1e-12);
        assertEquals(2.776 * Math.sqrt(0.025 / 4) / Math.sqrt(5), def.ci95(), 1e-9);
    }

    @Test
    void theTunerSweepsTheBackendsCandidatesUnderItsKey() {
        try (Backend cpu = Backend.cpu()) {
            assertArrayEquals(new int[] {16, 32, 64, 128, 256, 512}, cpu.tileCandidates(DType.FLOAT32));
            assertTrue(cpu.tuningKey().startsWith("cpu: ") && cpu.tuningKey().endsWith(
                    ", " + Runtime.getRuntime().availableProcessors() + " cores"), cpu.tuningKey());
            // A backend with other tiles and another key (as CUDA's): the tuner times exactly its
            // candidates and records its key; the pairs themselves run on the CPU.
            Backend other = (Backend) java.lang.reflect.Proxy.newProxyInstance(Backend.class.getClassLoader(),
                    new Class<?>[] {Backend.class}, (proxy, m, args) -> switch (m.getName()) {
                        case "tileCandidates" -> new int[] {64, 128};
                        case "tuningKey" -> "gpu: test device";
                        default -> m.invoke(cpu, args);
                    });
            List<String> lines = new java.util.ArrayList<>();
            List<Tuning.Entry> best = Tuning.tune(other, new int[][] {{200, 3}}, 2, lines::add);
            assertEquals(2, lines.size(), lines.toString());
            assertTrue(lines.get(0).contains("tile=64") && lines.get(1).contains("tile=128"), lines.toString());
            assertEquals("gpu: test device", best.get(0).device());
        }
    }

    @Test
    void malformedTableIsNamed(@TempDir Path dir) throws Exception {
        Path table = dir.resolve("bad.tsv");
        Files.writeString(table, "cpu: x\tten\t3\t16\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tuning.read(table));
        assertTrue(e.getMessage().contains("bad.tsv: line 1"), e.getMessage());
    }
}
