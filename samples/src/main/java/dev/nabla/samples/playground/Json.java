package dev.nabla.samples.playground;

import java.util.Locale;

/** The little JSON the playground writes: strings, numbers, arrays of numbers. */
final class Json {
    private Json() {}

    static String string(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : (s == null ? "" : s).toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    static String number(double v) {
        if (!Double.isFinite(v)) return "null";
        return String.format(Locale.ROOT, "%.5g", v);
    }

    static String numbers(float[] v) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) b.append(i == 0 ? "" : ",").append(number(v[i]));
        return b.append(']').toString();
    }
}
