package org.ncj.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.ncj.pairwise.PairKernel;
import org.ncj.pairwise.PairKernels;

/**
 * {@code cuda/pair_ops.def}, the one table of pairwise operations the CUDA kernels are built
 * from, against the Java side: every permitted {@link PairKernel} record has exactly one row
 * whose id is {@link CudaPairwise#id}, whose name is {@link PairKernel#name}, whose operand
 * (distance or dot product) is the one {@link PairKernel#apply} reads, whose log-space rule is
 * {@link PairKernel#logSpace}, and whose parameter is the record component
 * {@link CudaPairwise#param} passes.
 */
class PairOpsTableTest {
    private static final Path TABLE = Path.of("..", "cuda", "pair_ops.def");

    record Row(int id, String name, String operand, String logSpace, String param) {
    }

    /** The table's rows: lines starting with {@code NC_PAIR_OP(}, split at top-level commas. */
    static List<Row> rows() throws IOException {
        List<Row> out = new ArrayList<>();
        for (String line : Files.readAllLines(TABLE)) {
            if (!line.startsWith("NC_PAIR_OP(")) {
                continue;
            }
            List<String> f = splitArgs(line.substring("NC_PAIR_OP(".length(), line.lastIndexOf(')')));
            assertEquals(7, f.size(), "NC_PAIR_OP takes 7 fields: " + line);
            out.add(new Row(Integer.parseInt(f.get(0)), f.get(1), f.get(2), f.get(3), f.get(4)));
        }
        return out;
    }

    private static List<String> splitArgs(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(s.substring(start, i).trim());
                start = i + 1;
            }
        }
        out.add(s.substring(start).trim());
        return out;
    }

    @Test
    void tableHasDistinctIdsNamesAndKnownColumns() throws IOException {
        List<Row> rows = rows();
        assertFalse(rows.isEmpty(), "no NC_PAIR_OP rows in " + TABLE);
        Set<Integer> ids = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (Row r : rows) {
            assertTrue(ids.add(r.id()), "id " + r.id() + " twice");
            assertTrue(names.add(r.name()), "name " + r.name() + " twice");
            assertTrue(Set.of("DIST", "DOT").contains(r.operand()), r + ": operand");
            assertTrue(Set.of("NEVER", "PARAM_POSITIVE").contains(r.logSpace()), r + ": log_space");
        }
    }

    @Test
    void everyPairKernelHasItsRow() throws IOException {
        Map<String, Row> byName = new LinkedHashMap<>();
        for (Row r : rows()) {
            byName.put(r.name(), r);
        }
        List<PairKernel> kernels = PairKernels.every(5, 7, new double[] {1, 2, 3, 4, 5});
        assertEquals(PairKernels.types().size(), kernels.size());
        assertEquals(byName.size(), kernels.size(), "rows " + byName.keySet() + " vs records " + PairKernels.types());
        for (PairKernel kernel : kernels) {
            Row r = byName.get(kernel.name());
            assertNotNull(r, kernel + ": no row named " + kernel.name() + " in " + TABLE);
            String what = r.toString();
            assertEquals(r.id(), CudaPairwise.id(kernel), what + ": CudaPairwise.id");
            assertEquals(expectedParam(kernel, r.param()), CudaPairwise.param(kernel), what + ": CudaPairwise.param");
            checkOperand(kernel, r.operand(), what);
            checkLogSpace(kernel, r, what);
        }
    }

    /** The value of the record component the table names as the parameter (0 for none). */
    private static double expectedParam(PairKernel kernel, String component) throws IOException {
        if (component.equals("none")) {
            return 0.0;
        }
        for (RecordComponent rc : kernel.getClass().getRecordComponents()) {
            if (rc.getName().equals(component)) {
                try {
                    return ((Number) rc.getAccessor().invoke(kernel)).doubleValue();
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        throw new AssertionError(kernel + " has no component '" + component + "' (the table's param)");
    }

    /** DIST: apply depends on dist2 only; DOT: on the dot product and norms only. */
    private static void checkOperand(PairKernel kernel, String operand, String what) {
        double base = kernel.apply(2.0, 0.5, 1.5, 2.5, 0, 1);
        double otherDist = kernel.apply(3.0, 0.5, 1.5, 2.5, 0, 1);
        double otherDot = kernel.apply(2.0, -0.25, 1.25, 3.0, 0, 1);
        if (operand.equals("DIST")) {
            assertTrue(base != otherDist, what + ": a DIST operation must read dist2");
            assertEquals(base, otherDot, what + ": a DIST operation must not read the dot product or norms");
        } else {
            assertEquals(base, otherDist, what + ": a DOT operation must not read dist2");
            assertTrue(base != otherDot, what + ": a DOT operation must read the dot product and norms");
        }
    }

    /** NEVER: never log space; PARAM_POSITIVE: log space exactly when the parameter is positive. */
    private static void checkLogSpace(PairKernel kernel, Row r, String what) {
        if (r.logSpace().equals("NEVER")) {
            assertFalse(kernel.logSpace(), what + ": logSpace");
            return;
        }
        for (double p : new double[] {3.0, 0.5, -1.0, -3.0}) {
            Map<String, Object> values = new HashMap<>(PairKernels.samples(5, 7, new double[5]));
            values.put(r.param(), p);
            assertEquals(p > 0, PairKernels.build(kernel.getClass(), values).logSpace(), what + ": logSpace at param " + p);
        }
    }
}
