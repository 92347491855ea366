package dev.nabla.optim;

import java.util.List;
import java.util.Locale;

/** The optimizers of seed 001's menu by name, for command lines ({@code --optimizer adam --lr 0.001}). */
public final class Optimizers {
    private Optimizers() {}

    /** The names {@link #create} accepts. */
    public static final List<String> NAMES = List.of("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam");

    /**
     * The optimizer called {@code name} with learning rate η and PyTorch's defaults for everything else
     * (momentum and Nesterov use μ = 0.9).
     */
    public static Optimizer create(String name, float lr) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "sgd" -> new Sgd(lr);
            case "momentum" -> Sgd.momentum(lr, 0.9f);
            case "nesterov" -> Sgd.nesterov(lr, 0.9f);
            case "adagrad" -> new Adagrad(lr);
            case "rmsprop" -> new RmsProp(lr);
            case "adadelta" -> new Adadelta(lr);
            case "adam" -> new Adam(lr);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name + "'; choose one of " + NAMES);
        };
    }

    /** The usual learning rate for an optimizer (PyTorch's default where it has one; 0.01 for plain SGD). */
    public static float defaultLearningRate(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "sgd", "momentum", "nesterov", "adagrad", "rmsprop" -> 0.01f;
            case "adadelta" -> 1f;
            case "adam" -> 1e-3f;
            default -> throw new IllegalArgumentException("unknown optimizer '" + name + "'; choose one of " + NAMES);
        };
    }
}
