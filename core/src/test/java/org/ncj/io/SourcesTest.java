package org.ncj.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ncj.io.TestFiles.assertBad;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourcesTest {

    @TempDir
    Path dir;

    private static float[] slice(float[] a, int r0, int r1, int d) {
        return Arrays.copyOfRange(a, r0 * d, r1 * d);
    }

    @Test
    void globbedShardsEqualTheWhole() throws IOException {
        float[] x;
        int[] y;
        try (NpyArray gx = Npy.open(GoldenNpyTest.golden("train_x.npy"));
             NpyArray gy = Npy.open(GoldenNpyTest.golden("train_y.npy"))) {
            x = gx.readFloats(0, 3000);
            y = gy.readInts(0, 3000);
        }
        // natural order: 1, 2, 3 (empty), 10; lexical order would put 10 before 2
        int[][] ranges = {{0, 1000}, {1000, 1999}, {1999, 1999}, {1999, 3000}};
        String[] names = {"1", "2", "3", "10"};
        for (int k = 0; k < 4; k++) {
            int a = ranges[k][0];
            int b = ranges[k][1];
            Npy.write(dir.resolve("x-" + names[k] + ".npy"), slice(x, a, b, 64), b - a, 64);
            int[] ys = Arrays.copyOfRange(y, a, b);
            if (k == 1) { // an int64 shard among int32 ones
                long[] l = Arrays.stream(ys).asLongStream().toArray();
                Npy.write(dir.resolve("y-" + names[k] + ".npy"), l);
            } else {
                Npy.write(dir.resolve("y-" + names[k] + ".npy"), ys);
            }
        }
        try (Tensor2D sx = Sources.openEmbeddings(dir.resolve("x-*.npy").toString());
             Tensor2D sy = Sources.openLabels(dir.resolve("y-*.npy").toString())) {
            assertInstanceOf(ConcatTensor.class, sx);
            assertEquals(3000, sx.rows());
            assertEquals(64, sx.cols());
            assertEquals(StorageType.F32, sx.dtype());
            assertTrue(sx.name().contains("x-1.npy") && sx.name().contains("x-10.npy"), sx.name());
            assertArrayEquals(x, sx.readFloats(0, 3000));
            assertArrayEquals(slice(x, 990, 2010, 64), sx.readFloats(990, 2010));
            assertArrayEquals(slice(x, 1999, 2000, 64), sx.readFloats(1999, 2000));
            double[] d = sx.readDoubles(999, 1001);
            assertEquals(x[999 * 64 + 3], (float) d[3]);
            assertEquals(x[1000 * 64 + 3], (float) d[64 + 3]);
            float[] dst = new float[70];
            sx.readFloats(1998, 1999, dst, 6);
            assertArrayEquals(slice(x, 1998, 1999, 64), Arrays.copyOfRange(dst, 6, 70));

            assertEquals(3000, sy.rows());
            assertEquals(StorageType.I64, sy.dtype());
            assertArrayEquals(y, sy.readInts(0, 3000));
            assertArrayEquals(Arrays.copyOfRange(y, 500, 2500), sy.readInts(500, 2500));
        }
    }

    @Test
    void listOfSpecsAndSafetensorsShards() throws IOException {
        float[] a = {1, 2, 3, 4};
        float[] b = {5, 6};
        new Safetensors.Writer().add("emb", a, 2, 2).add("lab", new int[]{0, 1}).write(dir.resolve("s-01.safetensors"));
        new Safetensors.Writer().add("emb", b, 1, 2).add("lab", new long[]{2}).write(dir.resolve("s-02.safetensors"));
        Npy.write(dir.resolve("more.npy"), new double[]{7, 8}, 1, 2);
        try (Tensor2D t = Sources.open(List.of(dir.resolve("s-*.safetensors:emb").toString(), dir.resolve("more.npy").toString()))) {
            assertEquals(4, t.rows());
            assertEquals(StorageType.F64, t.dtype());
            assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6, 7, 8}, t.readFloats(0, 4));
        }
        try (Tensor2D t = Sources.openLabels(dir.resolve("s-*.safetensors:lab").toString())) {
            assertArrayEquals(new int[]{0, 1, 2}, t.readInts(0, 3));
        }
        new Safetensors.Writer().add("only", new float[]{9, 10}, 1, 2).write(dir.resolve("one.safetensors"));
        try (Tensor2D t = Sources.open(dir.resolve("one.safetensors").toString())) {
            assertEquals(dir.resolve("one.safetensors") + ":only", t.name());
            assertArrayEquals(new float[]{9, 10}, t.readFloats(0, 1));
        }
        try (Tensor2D t = Sources.open(dir.resolve("more.npy").toString())) {
            assertInstanceOf(NpyArray.class, t);
        }
    }

    @Test
    void emptyGlob() {
        String spec = dir.resolve("nothing-*.npy").toString();
        assertBad(spec, () -> Sources.open(spec), "glob matches no files");
        String noDir = dir.resolve("absent/x-*.npy").toString();
        assertBad(noDir, () -> Sources.open(noDir), "glob matches no files", "does not exist");
        String st = dir.resolve("nothing-*.safetensors:emb").toString();
        assertBad(st, () -> Sources.open(st), "glob matches no files");
    }

    @Test
    void shardsMustAgree() throws IOException {
        Npy.write(dir.resolve("a-1.npy"), new float[6], 2, 3);
        Npy.write(dir.resolve("a-2.npy"), new float[8], 2, 4);
        assertBad(dir.resolve("a-2.npy"), () -> Sources.open(dir.resolve("a-*.npy").toString()),
                "4 columns", "has 3", "a-1.npy");
        Npy.write(dir.resolve("b-1.npy"), new float[6], 2, 3);
        Npy.write(dir.resolve("b-2.npy"), new int[6], 2, 3);
        assertBad(dir.resolve("b-2.npy"), () -> Sources.open(dir.resolve("b-*.npy").toString()),
                "int32", "float32", "all shards must be floating-point or all integer");
    }

    @Test
    void rolesAreChecked() throws IOException {
        Path col = dir.resolve("col.npy");
        Npy.write(col, new float[]{1, 2, 3});
        assertBad(col, () -> Sources.openEmbeddings(col.toString()), "1-D", "embeddings need a 2-D");
        Path ints = dir.resolve("ints.npy");
        Npy.write(ints, new int[]{1, 2, 3, 4}, 2, 2);
        assertBad(ints, () -> Sources.openEmbeddings(ints.toString()), "holds int32", "embeddings must be");
        assertBad(ints, () -> Sources.openLabels(ints.toString()), "2 x 2", "labels need a 1-D");
        Path fl = dir.resolve("fl.npy");
        Npy.write(fl, new float[]{1, 2});
        assertBad(fl, () -> Sources.openLabels(fl.toString()), "holds float32", "integer type");
        Path column = dir.resolve("column.npy");
        Npy.write(column, new int[]{4, 5}, 2, 1);
        try (Tensor2D t = Sources.openLabels(column.toString())) {
            assertArrayEquals(new int[]{4, 5}, t.readInts(0, 2));
        }
        Path r3 = TestFiles.npy(dir.resolve("r3.npy"), "<f4", "(1, 1, 1)", new byte[4]);
        assertBad(r3, () -> Sources.openEmbeddings(r3.toString()), "rank 3");
    }

    @Test
    void safetensorsNeedsATensorNameWhenSeveral() throws IOException {
        Path p = dir.resolve("two.safetensors");
        new Safetensors.Writer().add("a", new float[1]).add("b", new float[1]).write(p);
        assertBad(p, () -> Sources.open(p.toString()), "holds 2 tensors", "[a, b]", "two.safetensors:TENSOR");
        assertBad(p, () -> Sources.open(p + ":c"), "no tensor 'c'", "present: a, b");
    }

    @Test
    void badShardClosesTheOthersAndNamesItself() throws IOException {
        Npy.write(dir.resolve("c-1.npy"), new float[4], 2, 2);
        java.nio.file.Files.writeString(dir.resolve("c-2.npy"), "garbage");
        assertBad(dir.resolve("c-2.npy"), () -> Sources.open(dir.resolve("c-*.npy").toString()), "bad magic");
    }

    @Test
    void naturalOrder() {
        List<String> l = new java.util.ArrayList<>(List.of("s-10.npy", "s-2.npy", "s-1.npy", "s-02b.npy", "s-002.npy", "t.npy"));
        l.sort(Sources::naturalCompare);
        assertEquals(List.of("s-1.npy", "s-002.npy", "s-2.npy", "s-02b.npy", "s-10.npy", "t.npy"), l);
    }
}
