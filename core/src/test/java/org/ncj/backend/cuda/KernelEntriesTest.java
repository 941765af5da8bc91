package org.ncj.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.ncj.DType;
import org.ncj.backend.Backend;

/** Runs without a GPU: the Java enum against the committed PTX, and the no-GPU fallbacks. */
class KernelEntriesTest {

    @Test
    void entryOfAPrecisionIsItsSuffix() {
        assertEquals(4, DType.FLOAT32.bytes());
        assertEquals(8, DType.FLOAT64.bytes());
        int found = 0;
        for (PtxEntry k : PtxEntry.values()) {
            for (DType t : DType.values()) {
                String tail = "_" + t.suffix();
                if (k.entry.endsWith(tail)) {
                    assertEquals(k, PtxEntry.of(k.entry.substring(0, k.entry.length() - tail.length()), t), k.entry);
                    found++;
                }
            }
        }
        assertTrue(found >= 10, found + " entries end in _f32 or _f64");
        assertEquals(PtxEntry.CENTRE_F32, PtxEntry.of("nc_centre", DType.FLOAT32));
        assertEquals(PtxEntry.SYRK_F64, PtxEntry.of("nc_syrk", DType.FLOAT64));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PtxEntry.of("nc_mirror_upper", DType.FLOAT32));
        assertTrue(e.getMessage().contains("nc_mirror_upper_f32"), e.getMessage());
    }

    @Test
    void enumMatchesPtxEntries() {
        List<String> missing = new ArrayList<>();
        for (String family : PtxEntry.FAMILIES) {
            if (Ptx.text(family) == null) {
                missing.add(PtxEntry.resource(family));
            }
        }
        if (!missing.isEmpty()) {
            System.out.println("[skip] KernelEntriesTest.enumMatchesPtxEntries: PTX not in this build yet: " + missing);
        }
        assumeTrue(missing.isEmpty(), () -> "PTX files not committed yet: " + missing);
        for (String family : PtxEntry.FAMILIES) {
            Set<String> inPtx = new TreeSet<>(Ptx.entries(Ptx.text(family)));
            Set<String> inEnum = new TreeSet<>();
            for (PtxEntry k : PtxEntry.values()) {
                if (k.family.equals(family)) {
                    inEnum.add(k.entry);
                }
            }
            assertEquals(inEnum, inPtx, "entry points of " + family + ".ptx vs enum PtxEntry");
            assertNotNull(Ptx.isaVersion(Ptx.text(family)), family + ".ptx has no .version line");
        }
    }

    @Test
    void everyEntryHasParametersTheLaunchCanPass() {
        for (PtxEntry k : PtxEntry.values()) {
            String ptx = Ptx.text(k.family);
            assumeTrue(ptx != null, "PTX not in this build");
            java.util.List<String> types = Ptx.params(ptx, k.entry);
            assertNotNull(types, k.entry + " not found in " + k.family + ".ptx");
            assertTrue(!types.isEmpty(), k.entry + " has no parameters");
            for (String t : types) {
                assertTrue(Set.of("u64", "u32", "f64").contains(t), k.entry + ": parameter type ." + t + " has no Java argument kind");
            }
        }
    }

    @Test
    void launchArgumentsAreCheckedAgainstThePtxTypes() {
        String ptx = """
                .visible .entry nc_x_f32(
                	.param .u64 nc_x_f32_param_0,
                	.param .u32 nc_x_f32_param_1,
                	.param .f64 nc_x_f32_param_2,
                	.param .u64 nc_x_f32_param_3
                )
                .visible .entry nc_x_f32_t64(
                	.param .u32 nc_x_f32_t64_param_0
                )
                """;
        java.util.List<String> t = Ptx.params(ptx, "nc_x_f32");
        assertEquals(java.util.List.of("u64", "u32", "f64", "u64"), t);
        assertEquals(java.util.List.of("u32"), Ptx.params(ptx, "nc_x_f32_t64"));
        assertEquals(null, Ptx.params(ptx, "nc_y"));
        assertEquals(null, Ptx.mismatch("nc_x_f32", t, new Object[] {7L, 3, 1.5, null}));
        String wrongType = Ptx.mismatch("nc_x_f32", t, new Object[] {7L, 3L, 1.5, null});
        assertTrue(wrongType != null && wrongType.contains("parameter 1 is .u32") && wrongType.contains("Long"), wrongType);
        String intForDouble = Ptx.mismatch("nc_x_f32", t, new Object[] {7L, 3, 1, null});
        assertTrue(intForDouble != null && intForDouble.contains("parameter 2 is .f64"), intForDouble);
        String count = Ptx.mismatch("nc_x_f32", t, new Object[] {7L, 3, 1.5});
        assertTrue(count != null && count.contains("takes 4 parameters"), count);
    }

    @Test
    void entriesAreParsed() {
        String ptx = """
                .version 9.0
                .target sm_75
                .visible .entry nc_class_sums_small_f32(
                	.param .u64 nc_class_sums_small_f32_param_0,
                )
                .visible .entry nc_class_sums_large_f32(
                """;
        assertEquals(Set.of("nc_class_sums_small_f32", "nc_class_sums_large_f32"), Ptx.entries(ptx));
        assertArrayEquals(new int[] {9, 0}, Ptx.isaVersion(ptx));
        assertEquals(13000, Ptx.requiredDriver(new int[] {9, 0}));
        assertEquals(12080, Ptx.requiredDriver(new int[] {8, 8}));
        assertEquals("13.0", Ptx.cudaVersion(13000));
    }

    @Test
    void entryNamesFollowTheConvention() {
        for (PtxEntry k : PtxEntry.values()) {
            assertTrue(k.entry.matches("nc_[a-z_]+_f(32|64)(_t[0-9]+)?"), k.entry);
        }
    }

    @Test
    void autoPicksTheCpuWithoutAGpu() {
        String why = CudaBackend.unavailableReason();
        System.out.println("[info] CudaBackend.unavailableReason() = " + why);
        if (why != null) {
            assertEquals(1, why.lines().count(), "the reason is one line");
            try (Backend b = Backend.byName("auto")) {
                assertEquals("cpu", b.name());
            }
        }
    }

    @Test
    void librarySearchPathIsListed() {
        // Must not throw whatever the machine holds; shows what eigh would find.
        System.out.println("[info] cuSOLVER search: " + NativeLibraries.find("libcusolver.so.12", "libcusolver.so.11")
                + " in " + NativeLibraries.searchPath());
    }

    @Test
    void syrkGridFollowsTheAbi() {
        // (the pairwise kernel ids: PairOpsTableTest, against cuda/pair_ops.def)
        // nc_syrk_*: tile 128; d = 1024: T = 8, 36 tiles, S = min(1024, 8*132/36) = 29 splits
        assertArrayEquals(new int[] {36, 29}, CudaCentredStats.syrkGrid(1L << 18, 1024, 132));
        assertArrayEquals(new int[] {3, 1}, CudaCentredStats.syrkGrid(100, 129, 132));   // T = 2
        assertArrayEquals(new int[] {1, 1}, CudaCentredStats.syrkGrid(0, 1, 132));
    }

    @Test
    void decisionsShapeAndPackingFollowTheAbi() {
        // nc_decisions_*: 128 rows per block, at least one block; tiles of 64 (f32) / 32 (f64) candidates
        assertEquals(1, CudaDecisions.grid(0));
        assertEquals(1, CudaDecisions.grid(128));
        assertEquals(2, CudaDecisions.grid(129));
        assertEquals(2048, CudaDecisions.grid(1L << 18));
        assertEquals(1 << 23, CudaDecisions.grid(CudaDecisions.MAX_ROWS));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> CudaDecisions.grid(CudaDecisions.MAX_ROWS + 1));
        assertEquals(64, CudaDecisions.tile(org.ncj.DType.FLOAT32));
        assertEquals(32, CudaDecisions.tile(org.ncj.DType.FLOAT64));
        // k = 6 classes, candidates {0, 2, 3, 4, 5}, d = 2, tile 4: T = 2 tiles, ld = 16
        double[] means = {1, 2, 9, 9, 3, 4, 5, 6, 0, 0, -1, 1};
        double[] weights = {-1, 0, 9, 9, 0, 2, 3, -4, 1, 1, 2, 0};
        double[] bias = {0.5, 9, -1.5, 2, 0, 1};
        int[] cand = {0, 2, 3, 4, 5};
        CudaDecisions.Packed p = CudaDecisions.pack(means, weights, bias, cand, 2, 4);
        assertEquals(2, p.tiles());
        assertEquals(16, p.ld());
        // row j = 1: [mu of 0, 2, 3, 4 | w of 0, 2, 3, 4 | mu of 5, pad x3 | w of 5, pad x3]
        assertArrayEquals(new double[] {2, 4, 6, 0, 0, 2, -4, 1, 1, 0, 0, 0, 0, 0, 0, 0},
                java.util.Arrays.copyOfRange(p.bt64(), 16, 32));
        double inf = Double.POSITIVE_INFINITY;
        assertArrayEquals(new double[] {
            5, 25, 61, 0, 5, 25, 61, 0, 1, 2, 5, Math.sqrt(2), 0.5, 1.5, 2, 0, 0.5, -1.5, 2, 0, 61, 5, 2, 0, // tile 0
            2, inf, inf, inf, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, -inf, -inf, -inf, 2, 2, 1, 0}, p.aux()); // tile 1
        CudaDecisions.Packed nb = CudaDecisions.pack(means, weights, null, cand, 2, 4);
        assertEquals(0.0, nb.aux()[16]); // b = 0 without bias
        assertEquals(0, CudaDecisions.pack(means, weights, null, new int[0], 2, 64).aux().length);
    }

    @Test
    void smallKernelChoiceFollowsTheAbi() {
        assertTrue(CudaClassSums.usesSmall(10, 1000, org.ncj.DType.FLOAT32));      // 40,080 B (with the first rows)
        assertEquals(4L * 10 * 1000 + 4 * 10 + 4 * 10, CudaClassSums.smallShared(10, 1000, org.ncj.DType.FLOAT32));
        assertEquals(8L * 10 * 1000 + 4 * 10, CudaClassSums.smallShared(10, 1000, org.ncj.DType.FLOAT64));
        assertTrue(!CudaClassSums.usesSmall(4, 3071, org.ncj.DType.FLOAT32));      // 49,168 B (49,152 without the first rows)
        assertTrue(!CudaClassSums.usesSmall(10, 1000, org.ncj.DType.FLOAT64));     // 80,040 B
        assertEquals(48 * 1024 + 0L >= CudaClassSums.smallShared(1000, 7, org.ncj.DType.FLOAT32), true);
    }

    @Test
    void constructingWithoutAGpuThrowsTheReason() {
        String why = CudaBackend.unavailableReason();
        assumeTrue(why != null, "a GPU is present");
        org.ncj.backend.BackendUnavailableException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.ncj.backend.BackendUnavailableException.class, Backend::cuda);
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }
}
