package dev.nabla.spark;

import java.io.Serializable;

/** One training sample in an RDD: its index in the data set (which batch it belongs to), its features and its target. */
public record Sample(int index, float[] x, float[] target) implements Serializable {}
