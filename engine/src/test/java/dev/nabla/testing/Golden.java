package dev.nabla.testing;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reads the PyTorch golden fixtures under {@code /golden/} (written by {@code engine/src/test/python/golden_core.py}
 * and committed, so tests never need Python) and compares results against them with a stated tolerance.
 *
 * <p>Fixture layout: a file is an object with {@code "about"} and {@code "cases"} (a list of objects); a tensor is
 * {@code {"shape": [...], "data": [flat, row-major]}} holding exact float32 values.
 *
 * <p>Tolerance rule (as numpy's {@code allclose}): |actual − expected| ≤ atol + rtol·|expected|, element by element.
 * {@link Deviation} records the worst deviation seen, so a test can print how close we really are.
 */
public final class Golden {
    private Golden() {}

    /** The fixture file {@code /golden/<name>.json} from the test class path. */
    public static Map<String, Object> load(String name) {
        return Json.resource("/golden/" + name + ".json");
    }

    /** The {@code "cases"} list of a fixture file. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> cases(String name) {
        return (List<Map<String, Object>>) load(name).get("cases");
    }

    /** A sub-object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Map<String, Object> m, String key) {
        Object v = require(m, key);
        if (!(v instanceof Map<?, ?>)) throw new IllegalArgumentException("fixture key '" + key + "' is not an object");
        return (Map<String, Object>) v;
    }

    /** A list of sub-objects (or of tensors). */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> list(Map<String, Object> m, String key) {
        return (List<Map<String, Object>>) require(m, key);
    }

    /** A number (loss values, hyperparameters). */
    public static double number(Map<String, Object> m, String key) {
        return ((Number) require(m, key)).doubleValue();
    }

    /** A number, or {@code otherwise} if the key is absent (optional hyperparameters). */
    public static double number(Map<String, Object> m, String key, double otherwise) {
        Object v = m.get(key);
        return v == null ? otherwise : ((Number) v).doubleValue();
    }

    public static String string(Map<String, Object> m, String key) {
        return (String) require(m, key);
    }

    public static boolean flag(Map<String, Object> m, String key) {
        return Boolean.TRUE.equals(m.get(key));
    }

    /** The flat float32 data of the tensor stored under {@code key}. */
    public static float[] data(Map<String, Object> m, String key) {
        return data(object(m, key));
    }

    /** The flat float32 data of a tensor object {shape, data}. */
    public static float[] data(Map<String, Object> tensor) {
        float[] d = Json.floats(require(tensor, "data"));
        int[] shape = shape(tensor);
        if (d.length != Tensor.sizeOf(shape)) {
            throw new IllegalArgumentException("fixture tensor has " + d.length + " values for shape " + Arrays.toString(shape));
        }
        return d;
    }

    /** The shape of the tensor stored under {@code key}. */
    public static int[] shape(Map<String, Object> m, String key) {
        return shape(object(m, key));
    }

    public static int[] shape(Map<String, Object> tensor) {
        List<?> dims = (List<?>) require(tensor, "shape");
        return dims.stream().mapToInt(d -> ((Number) d).intValue()).toArray();
    }

    /** Uploads the tensor stored under {@code key} to {@code be}. */
    public static Tensor tensor(Backend be, Map<String, Object> m, String key) {
        return tensor(be, object(m, key));
    }

    public static Tensor tensor(Backend be, Map<String, Object> tensor) {
        return be.upload(data(tensor), shape(tensor));
    }

    private static Object require(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) throw new IllegalArgumentException("fixture has no key '" + key + "' (keys: " + m.keySet() + ")");
        return v;
    }

    /**
     * Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise, naming {@code what}, the first index that
     * fails and the worst deviation.
     */
    public static void assertClose(String what, float[] actual, float[] expected, double rtol, double atol) {
        if (actual.length != expected.length) {
            throw new AssertionError(what + ": " + actual.length + " values, PyTorch has " + expected.length);
        }
        for (int k = 0; k < actual.length; k++) {
            double a = actual[k], e = expected[k];
            if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e)) && a != e) {
                throw new AssertionError(String.format("%s: element %d is %.9g, PyTorch %.9g (|diff| %.3g > %.1g + %.1g·|expected|)",
                        what, k, a, e, Math.abs(a - e), atol, rtol, Math.abs(e)));
            }
        }
    }

    public static void assertClose(String what, float actual, double expected, double rtol, double atol) {
        assertClose(what, new float[] {actual}, new float[] {(float) expected}, rtol, atol);
    }

    /**
     * The worst deviations over many comparisons: the largest |a − e| / max(|e|, floor) (relative, with a floor so
     * that values near zero count absolutely) and the largest |a − e|. Tests print it so the report can quote it.
     */
    public static final class Deviation {
        private final String name;
        private final double floor;
        private double worstRel, worstAbs;
        private String worstWhere = "-";
        private long compared;

        /** @param floor magnitudes below it count as the floor, e.g. 1e-3. */
        public Deviation(String name, double floor) {
            this.name = name;
            this.floor = floor;
        }

        /** Records the deviations of {@code actual} from {@code expected}, then asserts them as {@link Golden#assertClose}. */
        public void check(String what, float[] actual, float[] expected, double rtol, double atol) {
            int n = Math.min(actual.length, expected.length);
            for (int k = 0; k < n; k++) {
                double d = Math.abs((double) actual[k] - expected[k]);
                double rel = d / Math.max(Math.abs((double) expected[k]), floor);
                if (rel > worstRel) { worstRel = rel; worstWhere = what + "[" + k + "]"; }
                worstAbs = Math.max(worstAbs, d);
            }
            compared += n;
            assertClose(what, actual, expected, rtol, atol);
        }

        public void check(String what, float actual, double expected, double rtol, double atol) {
            check(what, new float[] {actual}, new float[] {(float) expected}, rtol, atol);
        }

        public double worstRelative() { return worstRel; }

        public double worstAbsolute() { return worstAbs; }

        @Override
        public String toString() {
            return String.format("%s: %d values vs PyTorch, worst relative deviation %.2e (at %s, floor %.0e), worst absolute %.2e",
                    name, compared, worstRel, worstWhere, floor, worstAbs);
        }
    }

    /** All tensors of a list of tensor objects, flattened into one array (e.g. a model's parameters in order). */
    public static float[] concat(List<Map<String, Object>> tensors) {
        List<float[]> parts = new ArrayList<>();
        int n = 0;
        for (Map<String, Object> t : tensors) {
            float[] d = data(t);
            parts.add(d);
            n += d.length;
        }
        float[] all = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
