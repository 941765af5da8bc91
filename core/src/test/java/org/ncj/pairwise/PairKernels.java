package org.ncj.pairwise;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One instance of every permitted {@link PairKernel} (the sealed interface's
 * {@code getPermittedSubclasses}), so that tests cover a new kernel without a hand-written list.
 * Each record is built through its canonical constructor with the value of each component taken
 * by name from a map; a component with no value there is an error naming it (add a sample value).
 */
public final class PairKernels {
    private PairKernels() {
    }

    /** The permitted records of {@link PairKernel}, in declaration order. */
    public static List<Class<?>> types() {
        return List.of(PairKernel.class.getPermittedSubclasses());
    }

    /**
     * Sample values by component name for k rows of dimension d: {@code exponent} −1, {@code s}
     * = max(d, 3) − 2 (Riesz's default, in log space), {@code distExp} 1, {@code k} (at least 2),
     * and {@code varNorms} (k values).
     */
    public static Map<String, Object> samples(int k, int d, double[] varNorms) {
        return Map.of("exponent", -1.0, "s", (double) (Math.max(d, 3) - 2), "distExp", 1.0, "k", Math.max(k, 2),
                "varNorms", varNorms);
    }

    /** One instance of every permitted record, parameters from {@link #samples}. */
    public static List<PairKernel> every(int k, int d, double[] varNorms) {
        return every(samples(k, d, varNorms));
    }

    /** {@link #samples} with some values replaced. */
    public static List<PairKernel> every(int k, int d, double[] varNorms, Map<String, Object> overrides) {
        Map<String, Object> m = new HashMap<>(samples(k, d, varNorms));
        m.putAll(overrides);
        return every(m);
    }

    /** One instance of every permitted record, each component's value taken by name from {@code values}. */
    public static List<PairKernel> every(Map<String, Object> values) {
        List<PairKernel> out = new ArrayList<>();
        for (Class<?> c : types()) {
            out.add(build(c, values));
        }
        return out;
    }

    /** The record {@code c} with each component's value taken by name from {@code values}. */
    public static PairKernel build(Class<?> c, Map<String, Object> values) {
        RecordComponent[] rc = c.getRecordComponents();
        Class<?>[] types = new Class<?>[rc.length];
        Object[] args = new Object[rc.length];
        for (int i = 0; i < rc.length; i++) {
            types[i] = rc[i].getType();
            if (!values.containsKey(rc[i].getName())) {
                throw new IllegalStateException(c.getSimpleName() + " has a component '" + rc[i].getName()
                        + "' with no sample value in PairKernels.samples");
            }
            args[i] = values.get(rc[i].getName());
        }
        try {
            Constructor<?> ctor = c.getDeclaredConstructor(types);
            return (PairKernel) ctor.newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + c.getSimpleName() + " from " + values, e);
        }
    }
}
