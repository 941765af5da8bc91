package org.ncj.measure;

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
import org.ncj.backend.Backend;

/** The tuning table: written by the tuner, read by the library to choose its default tile. */
class TuningTest {
    @AfterEach
    void clear() {
        System.clearProperty(Tuning.PROPERTY);
    }

    @Test
    void withoutATableTheDefaultTileIsUsed(@TempDir Path dir) {
        System.setProperty(Tuning.PROPERTY, dir.resolve("absent.tsv").toString());
        try (Backend cpu = Backend.cpu()) {
            assertEquals(Measures.DEFAULT_TILE, Tuning.tileSize(cpu, 1000, 64));
        }
    }

    @Test
    void tunedRowsAreChosenByDeviceAndSmallestCoveringShape(@TempDir Path dir) throws Exception {
        Path table = dir.resolve("tuning.tsv");
        System.setProperty(Tuning.PROPERTY, table.toString());
        try (Backend cpu = Backend.cpu()) {
            String key = Tuning.deviceKey(cpu);
            Tuning.write(table, List.of(new Tuning.Entry(key, 100, 10, 16, 0.1), new Tuning.Entry(key, 1000, 100, 128, 0.2),
                    new Tuning.Entry("cuda: some GPU, compute capability 9.0", 100000, 10000, 64, 0.3)));
            assertEquals(16, Tuning.tileSize(cpu, 50, 8));
            assertEquals(128, Tuning.tileSize(cpu, 500, 8), "the 100x10 row does not cover K = 500");
            assertEquals(Measures.DEFAULT_TILE, Tuning.tileSize(cpu, 5000, 8), "no CPU row covers K = 5000");
            // Rewriting the CPU rows keeps the other device's row.
            Tuning.write(table, List.of(new Tuning.Entry(key, 100, 10, 32, 0.1)));
            List<Tuning.Entry> rows = Tuning.read(table);
            assertEquals(2, rows.size());
            assertEquals(32, Tuning.tileSize(cpu, 50, 8));
        }
    }

    @Test
    void tunerTimesEveryFittingCandidateAndTheTableReturnsItsChoice(@TempDir Path dir) throws Exception {
        Path table = dir.resolve("t.tsv");
        System.setProperty(Tuning.PROPERTY, table.toString());
        try (Backend cpu = Backend.cpu()) {
            java.util.List<String> lines = new java.util.ArrayList<>();
            List<Tuning.Entry> best = Tuning.tune(cpu, new int[][] {{40, 3}}, 1, lines::add);
            assertEquals(2, lines.size(), "tiles 16 and 32 fit K = 40, 64 and above do not: " + lines);
            Tuning.write(table, best);
            int tile = Tuning.tileSize(cpu, 40, 3);
            assertTrue(tile == 16 || tile == 32, "tuned tile " + tile);
        }
    }

    @Test
    void cudaSweepsTheGemmTilesAndTheCpuItsOwn() {
        try (Backend cpu = Backend.cpu()) {
            assertArrayEquals(Tuning.CANDIDATES, Tuning.candidates(cpu));
        }
        Backend cuda = (Backend) java.lang.reflect.Proxy.newProxyInstance(Backend.class.getClassLoader(),
                new Class<?>[] {Backend.class}, (proxy, m, args) -> {
                    if (m.getName().equals("name")) {
                        return "cuda";
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        assertArrayEquals(new int[] {64, 128}, Tuning.candidates(cuda));
    }

    @Test
    void malformedTableIsNamed(@TempDir Path dir) throws Exception {
        Path table = dir.resolve("bad.tsv");
        Files.writeString(table, "cpu: x\tten\t3\t16\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tuning.read(table));
        assertTrue(e.getMessage().contains("bad.tsv: line 1"), e.getMessage());
    }
}
