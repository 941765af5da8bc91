package org.ncj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parquet inputs and {@code --spark} go to a {@link DistributedAnalysis} found on the class path;
 * the core alone has none (Spark is never on its class path), and says so in one line, exit 2.
 * Misuse of the Parquet selectors is a usage error before any provider is looked for.
 */
class ParquetHandoffTest {

    @TempDir
    Path tmp;

    private void usage(CliRun r, String problem) {
        assertEquals(2, r.exit(), r.err());
        assertFalse(r.err().strip().contains("\n"), r.err());
        assertTrue(r.err().contains(problem), r.err());
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    @Test
    void noSparkModuleOnTheClassPath() {
        usage(CliRun.run("analyze", "--quiet", "--out", tmp.resolve("out").toString(),
                "--train-x", "t.parquet:embedding", "--train-y", "t.parquet:label"),
                "Parquet inputs and --spark need the ncj-spark module and Spark on the class path");
    }

    @Test
    void aDirectoryOfPartFilesIsParquet() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("train"));
        usage(CliRun.run("analyze", "--quiet", "--out", tmp.resolve("out").toString(),
                "--train-x", dir + ":embedding", "--train-y", dir + ":label"), "need the ncj-spark module");
    }

    @Test
    void sparkTakesParquetColumnsOnly() {
        usage(CliRun.run("analyze", "--quiet", "--spark", "local[2]", "--out", tmp.resolve("out").toString(),
                "--train-x", "x.npy", "--train-y", "y.npy"), "--train-x: on Spark inputs are Parquet columns FILE:COLUMN, got 'x.npy'");
    }

    @Test
    void xAndYFromOneFile() {
        usage(CliRun.run("analyze", "--quiet", "--out", tmp.resolve("out").toString(),
                "--train-x", "a.parquet:embedding", "--train-y", "b.parquet:label"),
                "--train-x and --train-y must name columns of the same Parquet data");
    }

    @Test
    void oneSelectorPerOption() {
        usage(CliRun.run("analyze", "--quiet", "--out", tmp.resolve("out").toString(),
                "--train-x", "a.parquet:e", "b.parquet:e", "--train-y", "a.parquet:label"),
                "--train-x: on Spark each input is one Parquet FILE:COLUMN");
    }
}
